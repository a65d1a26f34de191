"""Pulls that succeed, from a registry on 127.0.0.1 serving local/busybox: "Unable to find image",
the progress on stderr, the create retried, --pull always/never, -q, a digest reference; side by side
with the docker CLI (each side pulls its own name, so each really pulls)."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterator

import pytest

from tests.support.compare import Runner
from tests.support.registry import LocalRegistry

pytestmark = pytest.mark.engine


@pytest.fixture(scope="module")
def registry(busybox) -> Iterator[LocalRegistry]:
    with LocalRegistry(busybox) as served:
        yield served


@pytest.fixture
def both(busybox, endpoint) -> Runner:
    return Runner.with_endpoint(endpoint)


@pytest.fixture
def images(registry) -> Iterator[list[str]]:
    made: list[str] = []
    yield made
    registry.forget(*made)


def own_image(registry: LocalRegistry, images: list[str], who: str, tag: str = "1") -> str:
    image = registry.image(f"csdt/{who}-{uuid.uuid4().hex[:8]}", tag)
    images.append(image)
    return image


def run_both(both: Runner, names, registry: LocalRegistry, images: list[str], flags: list[str],
             command: list[str], *, tag: str = "1", by_digest: bool = False) -> dict[str, tuple]:
    """{"ours"|"docker": (result, image)} for ``run FLAGS IMAGE COMMAND`` with an image of each side's own."""
    results = {}
    for who in ("docker", "ours"):
        image = own_image(registry, images, who, tag)
        ref = image.rsplit(":", 1)[0] + "@" + digest_of(registry) if by_digest else image
        args = ["--name", names.new(who), *flags, ref, *command]
        done = both.ours(args) if who == "ours" else both.theirs(args)
        results[who] = (done, ref)
    return results


def digest_of(registry: LocalRegistry) -> str:
    return "sha256:" + hashlib.sha256(registry.manifest).hexdigest()


def normal(stderr: bytes, ref: str) -> str:
    """stderr with the side's own reference and repository (csdt/WHO-HEX) as IMAGE and REPO."""
    repository = re.split(r"[:@]", ref.split("/", 1)[1])[0]
    return stderr.decode().replace(ref, "IMAGE").replace(repository, "REPO")


def test_missing_image_is_pulled_then_run(both, names, registry, images):
    results = run_both(both, names, registry, images, ["--rm"], ["echo", "ran"])
    (ours, ours_ref), (theirs, theirs_ref) = results["ours"], results["docker"]
    assert ours.returncode == theirs.returncode == 0
    assert ours.stdout == theirs.stdout == b"ran\n"
    assert normal(ours.stderr, ours_ref) == normal(theirs.stderr, theirs_ref)
    assert normal(ours.stderr, ours_ref).splitlines() == [
        "Unable to find image 'IMAGE' locally",
        "1: Pulling from REPO",
        f"Digest: {digest_of(registry)}",
        "Status: Downloaded newer image for IMAGE",
    ]


def test_quiet_pull_says_nothing(both, names, registry, images):
    results = run_both(both, names, registry, images, ["--rm", "-q"], ["echo", "ran"])
    for done, _ in results.values():
        assert (done.returncode, done.stdout, done.stderr) == (0, b"ran\n", b"")


def test_detached_pull_keeps_stdout_for_the_id(both, names, registry, images):
    results = run_both(both, names, registry, images, ["-d"], ["true"])
    for done, _ in results.values():
        assert done.returncode == 0
        assert re.fullmatch(rb"[0-9a-f]{64}\n", done.stdout)
        assert b"Unable to find image" in done.stderr


def test_pull_by_digest(both, names, registry, images):
    results = run_both(both, names, registry, images, ["--rm"], ["echo", "ran"], by_digest=True)
    (ours, ours_ref), (theirs, theirs_ref) = results["ours"], results["docker"]
    assert ours.returncode == theirs.returncode == 0
    assert normal(ours.stderr, ours_ref) == normal(theirs.stderr, theirs_ref)
    assert f"Unable to find image '{ours_ref}' locally" in ours.stderr.decode()
    for _, ref in results.values():
        images.append(ref)


def test_pull_always_pulls_a_present_image(both, names, registry, images):
    for who in ("docker", "ours"):
        image = own_image(registry, images, who)
        first = ["--name", names.new(who), "--rm", image, "true"]
        assert (both.ours(first) if who == "ours" else both.theirs(first)).returncode == 0
        before = len(registry.requests)
        again = ["--name", names.new(who), "--rm", "--pull", "always", image, "true"]
        done = both.ours(again) if who == "ours" else both.theirs(again)
        assert done.returncode == 0
        assert any("/manifests/" in r for r in registry.requests[before:])
        assert normal(done.stderr, image).splitlines() == [
            "1: Pulling from REPO",
            f"Digest: {digest_of(registry)}",
            "Status: Image is up to date for IMAGE",
        ]


@pytest.mark.parametrize("pull", ["missing", "never"])
def test_present_image_is_not_pulled(both, names, registry, images, pull):
    image = own_image(registry, images, "present")
    first = ["--name", names.new("first"), "--rm", image, "true"]
    assert both.theirs(first).returncode == 0
    before = len(registry.requests)
    args = ["--name", names.new("ours"), "--rm", "--pull", pull, image, "echo", "local"]
    done = both.ours(args)
    assert (done.returncode, done.stdout, done.stderr) == (0, b"local\n", b"")
    assert registry.requests[before:] == []
