#!/usr/bin/env bash
# Make PostgreSQL (127.0.0.1:5432, trust auth) and Redis (127.0.0.1:6379) available.
# With --exports, print the test variables of the services that are up (for `eval`); the
# status lines go to stderr then.
set -uo pipefail
exports=false; [ "${1:-}" = --exports ] && exports=true && exec 3>&1 1>&2

have_postgres() { pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1; }
have_redis() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
apt_install() {
  command -v apt-get >/dev/null || return 1
  [ "$(id -u)" = 0 ] || return 1
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

if ! have_postgres; then
  command -v pg_ctlcluster >/dev/null || apt_install postgresql postgresql-client
  if ls /etc/postgresql >/dev/null 2>&1; then
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  fi
  for _ in $(seq 1 30); do have_postgres && break; sleep 1; done
fi
have_postgres && echo "services: PostgreSQL ready" || echo "services: PostgreSQL unavailable (its tests will be skipped)"

if ! have_redis; then
  command -v redis-server >/dev/null || apt_install redis-server
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /tmp --logfile /tmp/atmo-lab-ci-redis.log || true
  for _ in $(seq 1 20); do have_redis && break; sleep 0.5; done
fi
have_redis && echo "services: Redis ready" || echo "services: Redis unavailable (its tests will be skipped)"
if $exports; then
  have_postgres && echo "export ATMO_LAB_TEST_POSTGRES_URL=\${ATMO_LAB_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/postgres}" >&3
  have_redis && echo "export ATMO_LAB_TEST_REDIS_URL=\${ATMO_LAB_TEST_REDIS_URL:-redis://127.0.0.1:6379/15}" >&3
fi
exit 0
