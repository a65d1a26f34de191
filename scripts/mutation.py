"""Mutation testing of csdocker modules with mutmut 3 (driven by scripts/mutation.sh; not part of CI).

For each module named on the command line: copy the working tree (tracked and untracked,
not ignored files) into a scratch directory, give that copy's pyproject.toml a [tool.mutmut]
table that mutates only the module and selects only the unit tests that tests/mutation_map.toml
maps to it, run ``mutmut run`` there (mutmut works in that copy's ./mutants), then report
killed / survived / timeout / no-tests and the score, and list the survivors with their diff.
Equivalent mutants listed in tests/mutation_equivalents.txt are left out of the score. The
scratch copy is removed afterwards, so the clone is never touched.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import IO

__all__ = ["main"]

REPO = Path(__file__).resolve().parents[1]
PACKAGE = "cloudshell_docker"
MAP_FILE = REPO / "tests" / "mutation_map.toml"
EQUIVALENTS_FILE = REPO / "tests" / "mutation_equivalents.txt"

# mutmut's exit codes per mutant (mutmut/stats.py), folded into the four outcomes reported.
KILLED = {1, 3, 37}
SURVIVED = {0}
TIMEOUT = {24, -24, 36, 152, 255}
NO_TESTS = {5, 33}


@dataclass(frozen=True)
class Equivalent:
    module: str
    mutant: str
    digest: str
    why: str


def load_map() -> dict[str, list[str]]:
    with MAP_FILE.open("rb") as handle:
        modules = tomllib.load(handle)["modules"]
    return {str(module): [str(test) for test in tests] for module, tests in modules.items()}


def load_equivalents() -> list[Equivalent]:
    """``MODULE MUTANT DIGEST why...`` lines; # starts a comment."""
    found = []
    if not EQUIVALENTS_FILE.exists():
        return found
    for number, raw in enumerate(EQUIVALENTS_FILE.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(maxsplit=3)
        if len(parts) != 4:
            sys.exit(f"mutation.sh: {EQUIVALENTS_FILE.name}:{number}: expected MODULE MUTANT DIGEST WHY")
        found.append(Equivalent(*parts))
    return found


def normalise(name: str, known: dict[str, list[str]]) -> str:
    """``cloudshell_docker/credentials/cache.py``, ``credentials/cache.py``, ``credentials.cache``: the map key."""
    text = name.removeprefix("./").removeprefix(f"{PACKAGE}/").removeprefix(f"{PACKAGE}.")
    if not text.endswith(".py"):
        text = text.replace(".", "/") + ".py"
    if text not in known:
        sys.exit(f"mutation.sh: {name}: not in {MAP_FILE.relative_to(REPO)} (known: {', '.join(known)})")
    return text


def copy_tree(target: Path) -> None:
    listed = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=REPO, check=True,
                            capture_output=True).stdout.decode().split("\0")
    for relative in filter(None, listed):
        source = REPO / relative
        if not source.is_file():  # deleted in the working tree but still tracked
            continue
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination)


def mutmut_table(module: str, tests: list[str], test_timeout: int) -> str:
    config = {
        "source_paths": [PACKAGE],
        "only_mutate": [f"{PACKAGE}/{module}"],
        "pytest_add_cli_args_test_selection": tests,
        # A mutant that makes a test wait forever (a lock, a FIFO, a socket) is caught by the
        # per-test wall clock; mutmut's own limit counts CPU seconds, which a sleeper never uses.
        "pytest_add_cli_args": ["-p", "no:cacheprovider", "-o", f"timeout={test_timeout}"],
        "use_git_change_detection": False,
    }
    lines = ["", "[tool.mutmut]"] + [f"{key} = {json.dumps(value)}" for key, value in config.items()]
    return "\n".join(lines) + "\n"


# Run in the scratch copy by one helper process per module: `mutmut show` costs seconds a mutant.
_DIFFS = """
import json, sys
from mutmut.mutation.diff_apply import get_diff_for_mutant
path, names = sys.argv[1], sys.argv[2:]
print(json.dumps({name: get_diff_for_mutant(name, path=path) for name in names}))
"""


def diffs_of(workdir: Path, env: dict[str, str], path: str, names: list[str]) -> dict[str, str]:
    """Each mutant's changed lines (``-`` the original, ``+`` the mutant)."""
    if not names:
        return {}
    done = subprocess.run([sys.executable, "-c", _DIFFS, path, *names], cwd=workdir, env=env, capture_output=True,
                          text=True, timeout=600, check=True)
    diffs = json.loads(done.stdout)
    return {name: "\n".join(line for line in diff.splitlines()
                            if line.startswith(("+", "-")) and not line.startswith(("+++", "---")))
            for name, diff in diffs.items()}


def run_bounded(argv: list[str], workdir: Path, env: dict[str, str], out: IO[str], budget: int) -> bool:
    """Run ``argv`` for at most ``budget`` seconds; whatever happens, none of its processes outlive it."""
    process = subprocess.Popen(argv, cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT,
                               start_new_session=True)  # its own group: mutmut's workers go with it
    try:
        return process.wait(timeout=budget) == 0
    except subprocess.TimeoutExpired:
        return False
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def digest_of(diff: str) -> str:
    return hashlib.sha256(diff.encode()).hexdigest()[:10]


def run_module(module: str, tests: list[str], *, jobs: int, budget: int, test_timeout: int,
               equivalents: list[Equivalent]) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="csdocker-mutation-") as scratch:
        workdir = Path(scratch)
        copy_tree(workdir)
        for test in tests:
            if not test.startswith("-") and not (workdir / test).is_file():  # "-..." is a pytest option
                sys.exit(f"mutation.sh: {test} (mapped to {module}) does not exist")
        with (workdir / "pyproject.toml").open("a") as handle:
            handle.write(mutmut_table(module, tests, test_timeout))
        env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        print(f"== {module}: mutmut run ({', '.join(tests)}; {jobs} job(s), budget {budget} s)", flush=True)
        log = workdir / "mutmut.log"
        with log.open("w") as out:
            finished = run_bounded(["mutmut", "run", "--max-children", str(jobs)], workdir, env, out, budget)
        meta = workdir / "mutants" / PACKAGE / f"{module}.meta"
        if not meta.exists():
            print(log.read_text()[-3000:])
            sys.exit(f"mutation.sh: mutmut produced no results for {module}")
        codes: dict[str, int | None] = json.loads(meta.read_text())["exit_code_by_key"]
        prefix = f"{PACKAGE}.{module.removesuffix('.py').replace('/', '.')}."
        listed = {eq.mutant: eq for eq in equivalents if eq.module == module}
        unkilled = [name for name, code in codes.items() if code in SURVIVED or code in NO_TESTS]
        diffs = diffs_of(workdir, env, f"{PACKAGE}/{module}", unkilled)
        counts: Counter[str] = Counter()
        survivors: list[tuple[str, str, str]] = []
        stale: list[str] = []
        for name, code in sorted(codes.items()):
            short = name.removeprefix(prefix)
            if code is None:
                counts["not checked"] += 1
            elif code in KILLED:
                counts["killed"] += 1
                if short in listed:
                    stale.append(f"{short} is listed as equivalent but was killed")
            elif code in TIMEOUT:
                counts["timeout"] += 1
            elif code in NO_TESTS or code in SURVIVED:
                diff = diffs[name]
                digest = digest_of(diff)
                entry = listed.get(short)
                if entry is not None and entry.digest == digest:
                    counts["equivalent"] += 1
                    continue
                if entry is not None:
                    stale.append(f"{short} is listed as equivalent, but its diff changed (now {digest})")
                outcome = "survived" if code in SURVIVED else "no tests"
                counts[outcome] += 1
                survivors.append((f"{outcome}: {module} {short}", digest, diff))
            else:
                counts["suspicious"] += 1
        for short in sorted(set(listed) - {name.removeprefix(prefix) for name in codes}):
            stale.append(f"{short} is listed as equivalent but no longer exists")
    judged = counts["killed"] + counts["timeout"] + counts["survived"] + counts["no tests"] + counts["suspicious"]
    score = 100.0 * (counts["killed"] + counts["timeout"]) / judged if judged else 0.0
    line = (f"{module}: killed {counts['killed']}, survived {counts['survived']}, timeout {counts['timeout']}, "
            f"no tests {counts['no tests']}, suspicious {counts['suspicious']}, equivalent (excluded) "
            f"{counts['equivalent']}, not checked {counts['not checked']}: score {score:.1f}%"
            + ("" if finished else " (run incomplete: budget or error; see above)"))
    print(line)
    for title, digest, diff in survivors:
        print(f"  {title} {digest}")
        for diff_line in diff.splitlines():
            print(f"      {diff_line}")
    for warning in stale:
        print(f"  stale equivalent: {warning}")
    return {"module": module, "score": score, "line": line, **counts}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/mutation.sh", description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="modules under cloudshell_docker/ (default: every mapped one)")
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("MUTATION_JOBS", "1")),
                        help="mutants tested at once (default 1, or $MUTATION_JOBS)")
    parser.add_argument("--budget", type=int, default=int(os.environ.get("MUTATION_BUDGET", "1800")),
                        help="wall-clock seconds allowed per module (default 1800, or $MUTATION_BUDGET)")
    parser.add_argument("--test-timeout", type=int, default=20,
                        help="wall-clock seconds per test before a mutant counts as a timeout kill (default 20)")
    args = parser.parse_args(argv)
    # Stopped with SIGTERM (or SIGHUP), still remove the scratch copy and mutmut's processes.
    for stop in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop, lambda signum, _frame: sys.exit(128 + signum))
    known = load_map()
    modules = [normalise(name, known) for name in args.modules] or list(known)
    equivalents = load_equivalents()
    results = [run_module(module, known[module], jobs=args.jobs, budget=args.budget,
                          test_timeout=args.test_timeout, equivalents=equivalents) for module in modules]
    print()
    print("summary")
    for result in results:
        print(f"  {result['line']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
