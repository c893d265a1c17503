#!/usr/bin/env bash
# EMR bootstrap action of an atmo_lab cluster (runs on every node as the hadoop user).
#   --public-key "<ssh public key line>"  appended to hadoop's authorized_keys
#   --owner <user>                        recorded in /etc/motd
set -euo pipefail
PUBLIC_KEY="" OWNER=""
while [ $# -gt 0 ]; do
  case "$1" in
    --public-key) PUBLIC_KEY="$2"; shift 2 ;;
    --owner) OWNER="$2"; shift 2 ;;
    *) echo "atmo-lab bootstrap: ignoring unknown argument $1" >&2; shift ;;
  esac
done
if [ -z "$PUBLIC_KEY" ]; then
  echo "atmo-lab bootstrap: --public-key is required" >&2
  exit 1
fi
HOME_DIR="${ATMO_LAB_HOME:-/home/hadoop}"
mkdir -p "$HOME_DIR/.ssh"
chmod 700 "$HOME_DIR/.ssh"
grep -qxF "$PUBLIC_KEY" "$HOME_DIR/.ssh/authorized_keys" 2>/dev/null ||
  printf '%s\n' "$PUBLIC_KEY" >> "$HOME_DIR/.ssh/authorized_keys"
chmod 600 "$HOME_DIR/.ssh/authorized_keys"
if [ -n "$OWNER" ]; then
  echo "atmo_lab cluster of $OWNER. Spark Connect :15002, YARN :8088, Spark History :18080 (the tunnel: see the atmo_lab sidebar)" |
    sudo -n tee -a /etc/motd >/dev/null 2>&1 || true
fi
echo "atmo-lab bootstrap: key installed for ${OWNER:-unknown owner}"
