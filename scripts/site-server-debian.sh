#!/usr/bin/env bash
# Prepare a Debian 12 machine as the site server of a France services (docs/site-store.md):
# PostgreSQL 15 from Debian, listening on the local network with TLS and passwords (scram-sha-256),
# then the site database through `guichet site init`. Run as root. Idempotent.
#
#   LAN=192.168.1.0/24 SERVER_NAME=serveur-fs.local BASE=guichet_site \
#   STRUCTURE_MATRICULE=123456 STRUCTURE_NOM="France services de …" \
#   bash scripts/site-server-debian.sh
#
# STEPS chooses the steps (default: all, in this order):
#   install  apt-get install postgresql
#   tls      a site CA and a server certificate for SERVER_NAME in CERT_DIR (kept if present)
#   config   listen on the LAN, TLS only, scram-sha-256 from LAN (conf.d file + pg_hba lines), restart
#   init     guichet site init (roles, schema, privileges, first administrator) as the postgres user;
#            the administrator's password is asked, or piped from ADMIN_PASSWORD if set
# tests/core/test_site_script.py runs "tls init" against the test cluster (ADMIN_URL, CERT_DIR given).
set -euo pipefail

STEPS=${STEPS:-"install tls config init"}
PG_VERSION=${PG_VERSION:-15}
PG_ETC=${PG_ETC:-/etc/postgresql/$PG_VERSION/main}
CERT_DIR=${CERT_DIR:-$PG_ETC/guichet-tls}
SERVER_NAME=${SERVER_NAME:-$(hostname -f)}
LAN=${LAN:-192.168.0.0/16}
BASE=${BASE:-guichet_site}
ADMIN_URL=${ADMIN_URL:-"postgresql://postgres@/postgres?host=/var/run/postgresql"}
GUICHET=${GUICHET:-guichet}
DAYS=${DAYS:-1825}

step_install() {
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql openssl >/dev/null
}

step_tls() {
  mkdir -p "$CERT_DIR"
  ( cd "$CERT_DIR" && make_certs )
  echo "CA du site (à copier sur chaque poste) : $CERT_DIR/site-ca.crt"
}

make_certs() {
  if [ ! -f site-ca.crt ]; then  # the site's own CA: its certificate goes to every desk
    openssl req -x509 -newkey rsa:3072 -nodes -days "$DAYS" -subj "/CN=Guichet site CA" \
      -keyout site-ca.key -out site-ca.crt 2>/dev/null
  fi
  if [ ! -f server.crt ]; then
    openssl req -newkey rsa:3072 -nodes -subj "/CN=$SERVER_NAME" -keyout server.key -out server.csr 2>/dev/null
    printf "subjectAltName=DNS:%s\n" "$SERVER_NAME" > server.ext
    openssl x509 -req -in server.csr -CA site-ca.crt -CAkey site-ca.key -CAcreateserial -days "$DAYS" \
      -extfile server.ext -out server.crt 2>/dev/null
    rm -f server.csr server.ext
  fi
  chmod 600 server.key site-ca.key
  if id postgres >/dev/null 2>&1; then chown postgres:postgres server.key server.crt; fi
}

step_config() {
  mkdir -p "$PG_ETC/conf.d"
  cat > "$PG_ETC/conf.d/guichet.conf" <<EOF
listen_addresses = '*'
ssl = on
ssl_cert_file = '$CERT_DIR/server.crt'
ssl_key_file = '$CERT_DIR/server.key'
ssl_min_protocol_version = 'TLSv1.2'
password_encryption = 'scram-sha-256'
EOF
  local line="hostssl $BASE all $LAN scram-sha-256"
  grep -qxF "$line" "$PG_ETC/pg_hba.conf" || echo "$line" >> "$PG_ETC/pg_hba.conf"
  systemctl restart "postgresql@$PG_VERSION-main" 2>/dev/null || pg_ctlcluster "$PG_VERSION" main restart
}

step_init() {
  local args=(site init --admin "$ADMIN_URL" --base "$BASE")
  if [ -n "${FROM_FILE:-}" ]; then
    args+=(--depuis "$FROM_FILE")
  else
    args+=(--structure-matricule "${STRUCTURE_MATRICULE:?STRUCTURE_MATRICULE manquant}" \
           --structure-nom "${STRUCTURE_NOM:?STRUCTURE_NOM manquant}" --admin-login "${ADMIN_LOGIN:-admin}")
  fi
  if [ -n "${ADMIN_PASSWORD:-}" ] && [ -z "${FROM_FILE:-}" ]; then
    printf '%s\n' "$ADMIN_PASSWORD" | $GUICHET "${args[@]}"  # never on the command line
  else
    $GUICHET "${args[@]}"  # asks the first administrator's password on the terminal
  fi
  echo "Sur chaque poste : guichet --db \"postgresql://${BASE}_app@$SERVER_NAME/$BASE?sslmode=verify-full&sslrootcert=<chemin>/site-ca.crt\""
}

for step in $STEPS; do
  echo "== $step"
  "step_$step"
done
