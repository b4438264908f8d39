#!/usr/bin/env bash
# Installs the real servers and CLI clients the test suite talks to (Debian 12), when missing.
# Idempotent and quiet when everything is already there. Needs root (CI runs as root).
set -euo pipefail
pkgs=(
  xrootd-server xrootd-client xrootd-server-plugins xrootd-client-plugins xrootd-plugins python3-xrootd
  nginx-light libnginx-mod-http-dav-ext
  gfal2-util-scripts python3-gfal2-util gfal2-plugin-xrootd gfal2-plugin-http gfal2-plugin-file
  chromium iproute2 openssl util-linux g++ make python3
  mariadb-server postgresql redis-server
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup-system: missing Debian packages (${missing[*]}); run this script as root" >&2
    exit 1
  fi
  echo "setup-system: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Databases the inventory and history tests use: start them when they are not answering.
if ! (echo > /dev/tcp/127.0.0.1/3306) 2>/dev/null; then
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql || true
fi
if ! (echo > /dev/tcp/127.0.0.1/5432) 2>/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
fi
if ! (echo > /dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no || true
fi
