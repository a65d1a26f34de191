#!/usr/bin/env bash
# A long-lived dev container, driven by a script written for the docker CLI, with `alias docker=csdocker`.
#
# The container outlives the credentials it was started with; every `docker exec` into it gets fresh
# ones (csdocker exec), in the command's own environment, never in the container's configuration.
# Everything else (ps, stop, rm) goes to the docker CLI unchanged.
#
#   CSDOCKER  1 (default): alias docker=csdocker; 0: the plain docker CLI, for comparison
#   IMAGE     a small image with a POSIX shell (default busybox)
#   NAME      the container's name (default devbox-PID)
set -euo pipefail
shopt -s expand_aliases
if [ "${CSDOCKER:-1}" = 1 ]; then
  alias docker=csdocker
fi

IMAGE=${IMAGE:-busybox}
name=${NAME:-devbox-$$}
trap 'docker rm -f "$name" >/dev/null 2>&1 || true' EXIT

# 1. Start it once (csdocker run: with the credentials of the moment).
docker run -d --name "$name" "$IMAGE" sleep 600 >/dev/null

# 2. Passthrough: the docker CLI lists it.
docker ps --filter "name=^${name}\$" --format '{{.Names}}' | sed "s/$name/the container/"

# 3. A command in it, later: with csdocker it has fresh credentials of its own.
docker exec "$name" sh -c 'echo "exec has credentials: ${AWS_SECRET_ACCESS_KEY:+yes}"'

# 4. Data through stdin and stdout.
printf 'b\na\n' | docker exec -i "$name" sort

# 5. The command's exit code is the step's.
if docker exec "$name" sh -c 'exit 4'; then
  echo "expected a failure" >&2
  exit 1
else
  echo "exec failed with $? as expected"
fi

# 6. docker exec's own flags: -e, -w, -u; a command in the background with -d.
docker exec -e GREETING=hello -w /etc -u 1000 "$name" sh -c 'echo "$GREETING from $(pwd) as uid $(id -u)"'
docker exec -d "$name" sh -c 'echo "written in the background" > /marker'
sleep 1
docker exec "$name" cat /marker

# 7. Passthrough again: stop and remove.
docker stop -t 1 "$name" >/dev/null && echo stopped
docker rm "$name" >/dev/null && echo removed
