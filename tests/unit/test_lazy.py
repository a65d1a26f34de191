"""Start-up: requests without its charset detector (launcher.lazy), a run without the modules only some flags
need, the process entry out of the collector's passes."""

from __future__ import annotations

import subprocess
import sys

import pytest

SCRIPT = """
import sys, warnings
warnings.simplefilter("error")  # requests warns when it cannot read the detector's version
from cloudshell_docker.launcher.lazy import defer_charset_detection
assert defer_charset_detection()
import requests, docker
assert "charset_normalizer.api" not in sys.modules, "the detector was loaded at start-up"
import charset_normalizer
assert charset_normalizer.__version__ == requests.compat.chardet.__version__
response = requests.Response()
response._content = "Grüße aus Köln, schöne Grüße".encode("latin-1") * 20
guess = response.apparent_encoding
assert "charset_normalizer.api" in sys.modules
assert guess == charset_normalizer.detect(response._content)["encoding"], guess  # the real detector's answer
assert response.text == response._content.decode(guess)
from charset_normalizer import from_bytes
assert from_bytes(b"hello").best() is not None
print("ok")
"""


def test_requests_starts_without_the_detector_and_uses_it_when_needed():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_nothing_is_deferred_once_requests_is_loaded():
    code = ("import requests, sys\nfrom cloudshell_docker.launcher.lazy import defer_charset_detection\n"
            "assert not defer_charset_detection()\nassert 'charset_normalizer.api' in sys.modules\nprint('ok')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


RUN_SCRIPT = """
import sys
from cloudshell_docker.run.parse import parse_run_args
from cloudshell_docker.run.translate import TranslateContext, translate
import cloudshell_docker.cli, cloudshell_docker.run.command, cloudshell_docker.run.runner
from cloudshell_docker.registry.auth import RegistryAuth

LATER = ("cloudshell_docker.options.values.mounts", "cloudshell_docker.options.values.jsoncompact",
         "cloudshell_docker.registry.ecr", "cloudshell_docker.registry.ecrhost")
spec = translate(parse_run_args(["--rm", "local/busybox", "true"]), TranslateContext(cwd="/w"))
auth = RegistryAuth(lambda: None)
print(sorted(name for name in LATER if name in sys.modules))
spec = translate(parse_run_args(["-v", "./d:/d", "--mount", "type=bind,src=./m,dst=/m", "--device", "/dev/null",
                                 "local/busybox"]), TranslateContext(cwd="/w"))
print(spec.config["HostConfig"]["Binds"], [m["Source"] for m in spec.config["HostConfig"]["Mounts"]],
      spec.config["HostConfig"]["Devices"][0]["PathOnHost"])
print(auth.for_registry("docker.io", None) is None, "cloudshell_docker.registry.ecrhost" in sys.modules)
"""


def test_a_run_starts_without_the_modules_only_some_flags_and_pulls_need():
    # Start-up time: --volume/--mount/--device values, seccomp files and ECR registries load their
    # modules when met; every run imports the rest.
    done = subprocess.run([sys.executable, "-c", RUN_SCRIPT], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["[]", "['/w/d:/d'] ['/w/m'] /dev/null", "True True"]


FREEZE_SCRIPT = """
import atexit, gc, sys
atexit.register(lambda: print(gc.get_freeze_count() > 0))
sys.argv = ["csdocker", "--help"]
from cloudshell_docker.cli import main
main({argv})
"""


@pytest.mark.parametrize(("argv", "frozen"), [("", "True"), ("['--help']", "False")])
def test_the_process_entry_takes_what_is_loaded_out_of_the_collectors_passes(argv, frozen):
    # Start-up time: the collector's full passes over Python's, site's and the dispatch's objects
    # during a command's imports. Only the process's own entry: a caller with an argv (a server's
    # child, a test) keeps its collector as it is.
    done = subprocess.run([sys.executable, "-c", FREEZE_SCRIPT.format(argv=argv)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == frozen
