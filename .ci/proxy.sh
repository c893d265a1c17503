#!/usr/bin/env bash
# configurable-http-proxy (JupyterHub's proxy) for the team tests, from npm into .ci/proxy/,
# at the versions its committed package-lock.json pins.
set -euo pipefail
cd "$(dirname "$0")"
if [ -x proxy/node_modules/.bin/configurable-http-proxy ]; then exit 0; fi
command -v npm >/dev/null || { echo "npm is missing: the JupyterHub tests will be skipped"; exit 0; }
npm ci --silent --no-audit --no-fund --prefix proxy
