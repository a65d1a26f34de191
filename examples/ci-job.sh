#!/usr/bin/env bash
# A CI job that was written for `docker run`, run with csdocker instead.
#
# Nothing in the job changes but the word: csdocker takes docker run's flags, gives
# the same streams and exit codes, and hands every other docker command to the
# docker CLI, so `DOCKER=csdocker` (or `alias docker=csdocker`) is all it takes.
#
#   DOCKER  the command to use (default csdocker)
#   IMAGE   a small image with a POSIX shell (default busybox)
set -euo pipefail

DOCKER=${DOCKER:-csdocker}
IMAGE=${IMAGE:-busybox}
workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT

echo 'hello from the job' >"$workdir/input.txt"

# 1. A build step reading a mounted workspace, writing an artefact back.
$DOCKER run --rm -v "$workdir:/work" -w /work "$IMAGE" sh -c 'tr a-z A-Z <input.txt >output.txt'
cat "$workdir/output.txt"

# 2. Data through stdin and stdout, as in any pipeline.
printf '3\n1\n2\n' | $DOCKER run --rm -i "$IMAGE" sort

# 3. The container's exit code is the step's exit code.
if $DOCKER run --rm "$IMAGE" sh -c 'exit 3'; then
  echo "expected a failure" >&2
  exit 1
else
  echo "step failed with $? as expected"
fi

# 4. A step that needs AWS: the credentials are there, and never on a command line.
$DOCKER run --rm "$IMAGE" sh -c 'test -n "$AWS_ACCESS_KEY_ID" && test -n "$AWS_SECRET_ACCESS_KEY" && echo "AWS credentials present"'

# 5. Any other docker command passes straight through.
$DOCKER image inspect --format '{{.Id}}' "$IMAGE" >/dev/null && echo "image inspected"
