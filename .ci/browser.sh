#!/usr/bin/env bash
# The UI tests drive Debian's Chromium (no browser downloads are possible here).
set -uo pipefail
if [ -x /usr/bin/chromium ]; then
  echo "browser: $(/usr/bin/chromium --version 2>/dev/null)"
  exit 0
fi
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
[ -x /usr/bin/chromium ] && echo "browser: $(/usr/bin/chromium --version 2>/dev/null)" ||
  echo "browser: chromium unavailable (UI tests will be skipped)"
exit 0
