#!/usr/bin/env bash
# Mutation testing of csdocker's modules against their unit tests, with mutmut 3. Not part of CI (slow).
#
#   scripts/mutation.sh credentials/cache.py options/values/ports.py   # named modules
#   scripts/mutation.sh                                                # every module of tests/mutation_map.toml
#   MUTATION_JOBS=2 MUTATION_BUDGET=3600 scripts/mutation.sh region.py
#
# Needs mutmut 3 (pip install -e '.[mutation]'). Which unit tests pin which module is kept in
# tests/mutation_map.toml; equivalent mutants (that no test can kill) are listed, with why, in
# tests/mutation_equivalents.txt and left out of the score. Each module is mutated in a scratch
# copy of the working tree that is removed afterwards; nothing is written into the clone.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v mutmut >/dev/null 2>&1; then
  echo "mutation.sh: mutmut is not installed: pip install -e '.[mutation]'" >&2
  exit 2
fi
exec python3 scripts/mutation.py "$@"
