#!/usr/bin/env bash
# What the tests (and the demo) talk to, made ready on any Debian machine: each server is checked on
# its port, started when it is installed but down, and installed from Debian's packages when missing
# (as root; otherwise the one command to run is printed). `npm test` runs this first (pretest),
# `npm start` runs it for RabbitMQ only (prestart). MongoDB is the jongodb wire server from npm,
# started by the tests themselves.
#   scripts/test-services.sh [rabbitmq] [postgresql] [mariadb] [redis] [chromium]   (default: all)
#   TEST_SERVICES_DRY_RUN=1  print what would be done, change nothing
# The ports, the Chromium path and the wait can be overridden: RABBITMQ_PORT, POSTGRES_PORT,
# MARIADB_PORT, REDIS_PORT, MARIADBD_PATH, CHROMIUM_PATH, TEST_SERVICES_WAIT_SECS.
set -uo pipefail

dry="${TEST_SERVICES_DRY_RUN:-}"
wait_secs="${TEST_SERVICES_WAIT_SECS:-120}"
wanted=("$@")
[ ${#wanted[@]} -eq 0 ] && wanted=(rabbitmq postgresql mariadb redis chromium)
failed=0
apt_updated=

say() { echo "test-services: $*"; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
run() {
  if [ -n "$dry" ]; then say "would run: $*"; return 0; fi
  "$@"
}
apt_install() {
  if [ "$(id -u)" != 0 ]; then
    say "$1 is not installed; as root run: apt-get update && apt-get install -y --no-install-recommends $*"
    return 1
  fi
  if [ -z "$apt_updated" ]; then run apt-get update -qq || return 1; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive run apt-get install -y -qq --no-install-recommends "$@"
}
await_port() {
  [ -n "$dry" ] && return 0
  for _ in $(seq 1 "$wait_secs"); do port_open "$1" && return 0; sleep 1; done
  return 1
}

# ensure NAME PORT PACKAGE BINARY START-COMMAND...
ensure() {
  local name=$1 port=$2 package=$3 binary=$4
  shift 4
  if port_open "$port"; then say "$name is listening on 127.0.0.1:$port"; return 0; fi
  if ! command -v "$binary" >/dev/null 2>&1 && [ ! -x "$binary" ]; then
    apt_install "$package" || return 1
  fi
  say "starting $name"
  if declare -F "$1" >/dev/null; then "$@" || true; else run "$@" || true; fi
  if await_port "$port"; then
    [ -z "$dry" ] && say "$name is listening on 127.0.0.1:$port"
    return 0
  fi
  say "$name did not start on 127.0.0.1:$port (tried: $*)"
  return 1
}

start_postgresql() {
  local version
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
  [ -z "$version" ] && [ -n "$dry" ] && version='<version>'
  run pg_ctlcluster --skip-systemctl-redirect "$version" main start || return 1
  [ -n "$dry" ] && return 0
  await_port "${POSTGRES_PORT:-5432}" || return 1
  # trust for local TCP connections and the test database, as the tests expect.
  su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='test'\"" | grep -q 1 ||
    su postgres -c 'createdb test'
}

start_mariadb() {
  run install -d -o mysql -g mysql /run/mysqld 2>/dev/null || true
  run start-stop-daemon --start --oknodo --background --exec "${MARIADBD_PATH:-/usr/sbin/mariadbd}" || return 1
  [ -n "$dry" ] && return 0
  await_port "${MARIADB_PORT:-3306}" || return 1
  mariadb -uroot -e 'CREATE DATABASE IF NOT EXISTS test' 2>/dev/null || true
}

for service in "${wanted[@]}"; do
  case "$service" in
    rabbitmq) ensure RabbitMQ "${RABBITMQ_PORT:-5672}" rabbitmq-server rabbitmq-server rabbitmq-server -detached || failed=1 ;;
    postgresql) ensure PostgreSQL "${POSTGRES_PORT:-5432}" postgresql pg_ctlcluster start_postgresql || failed=1 ;;
    mariadb) ensure MariaDB "${MARIADB_PORT:-3306}" mariadb-server "${MARIADBD_PATH:-/usr/sbin/mariadbd}" start_mariadb || failed=1 ;;
    redis)
      ensure Redis "${REDIS_PORT:-6379}" redis-server redis-server \
        redis-server --daemonize yes --bind 127.0.0.1 --port "${REDIS_PORT:-6379}" --save '' --appendonly no || failed=1
      ;;
    chromium)
      chromium_path="${CHROMIUM_PATH:-/usr/bin/chromium}"
      if [ -x "$chromium_path" ]; then
        say "Chromium is at $chromium_path"
      else
        apt_install chromium || failed=1
      fi
      ;;
    *) say "unknown service $service (rabbitmq, postgresql, mariadb, redis, chromium)"; failed=1 ;;
  esac
done

if [ "$failed" != 0 ]; then
  say 'some services the tests need are missing; see the lines above'
  exit 1
fi
