#!/usr/bin/env bash
# The engine-facing tests with each docker-py release given (default: the oldest that
# pyproject.toml allows), each in a throw-away venv over the installed packages, so that
# the private attributes engine/dockerpy.py relies on are checked at both ends of the range.
#
#   scripts/dockerpy-versions.sh            # the lower bound of "docker>=..." in pyproject.toml
#   scripts/dockerpy-versions.sh 7.1.0 7.2.0
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

if [ "$#" -eq 0 ]; then
  oldest=$(sed -n 's/^ *"docker>=\([0-9.]*\).*/\1/p' pyproject.toml | head -n1)
  [ -n "$oldest" ] || { echo "no docker>= bound in pyproject.toml" >&2; exit 1; }
  set -- "$oldest"
fi

# The docker SDK at work: connecting, the facade's calls, attach/wait, the runner on the
# real engine, and runs through the CLI end to end (in-process runs, pulls, the engine's
# errors; test_run_errors' credential cases do not touch docker-py and are left out).
tests=(
  tests/unit/test_connect.py tests/unit/test_connect_endpoint.py tests/unit/test_relay_engine_calls.py
  tests/unit/test_runner_create.py tests/unit/test_runner_real_path.py tests/unit/test_runner_tls.py
  tests/unit/test_attach_streams.py
  tests/e2e/test_run_inprocess.py tests/e2e/test_run_pull.py
  tests/e2e/test_run_errors.py::test_daemon_unreachable tests/e2e/test_run_errors.py::test_image_missing
  tests/e2e/test_run_errors.py::test_bad_docker_flags
)

for version in "$@"; do
  venv=$(mktemp -d)
  trap 'rm -rf "$venv"' EXIT
  # No pip of its own (ensurepip is slow): this interpreter's pip installs into it. --no-deps:
  # docker-py's own dependencies (requests, urllib3) are those installed already.
  python -m venv --system-site-packages --without-pip "$venv"
  python -m pip --python "$venv/bin/python" install --quiet --disable-pip-version-check --no-deps "docker==$version"
  got=$("$venv/bin/python" -c 'import docker; print(docker.__version__)')
  [ "$got" = "$version" ] || { echo "asked for docker-py $version, got $got" >&2; exit 1; }
  echo "+ docker-py $got: ${tests[*]}"
  # PYTHONPATH: this checkout, also for the csdocker processes the tests start with the venv's python.
  PYTHONPATH="$repo${PYTHONPATH:+:$PYTHONPATH}" "$venv/bin/python" -m pytest -q -p no:cacheprovider "${tests[@]}"
  rm -rf "$venv"
  trap - EXIT
done
