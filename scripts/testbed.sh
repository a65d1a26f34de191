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
#   (all also installs fish, for the env-format tests, and procps, for ps)
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
  setsid dockerd --host unix:///var/run/docker.sock >/tmp/dockerd.log 2>&1 < /dev/null &
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

# Shells whose quoting `csdocker env --format` output is evaluated in (bash and dash are there).
# procps: ps, which the relay-title test asks what the follower shows.
test_shells() { apt_install fish procps; }

case "${1:-all}" in
  engine) start_engine ;;
  busybox) start_engine; build_busybox ;;
  awscli) start_engine; build_awscli ;;
  all) start_engine; build_busybox; build_awscli; test_shells ;;
  *) log "usage: $0 [all|engine|busybox|awscli]"; exit 2 ;;
esac
