"""Image references: the one parser (options.values.reference) that translation, the runner and pull share.

The cases at the end are those where two earlier parsers disagreed: each is pinned to what the
docker CLI does (its grammar is distribution/reference; Go's ``\\w`` is ASCII).
"""

from __future__ import annotations

import pytest

from cloudshell_docker.options.values.gocompat import GoValueError
from cloudshell_docker.options.values.reference import ImageRef, InvalidReference, parse_image

DIGEST = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    ("image", "name", "familiar", "pull_tag"),
    [
        ("busybox", "docker.io/library/busybox", "busybox:latest", "latest"),
        ("busybox:1.36", "docker.io/library/busybox", "busybox:1.36", "1.36"),
        ("docker.io/library/busybox", "docker.io/library/busybox", "busybox:latest", "latest"),
        ("index.docker.io/library/busybox", "docker.io/library/busybox", "busybox:latest", "latest"),
        ("library/busybox:x", "docker.io/library/busybox", "busybox:x", "x"),
        ("amazon/aws-cli", "docker.io/amazon/aws-cli", "amazon/aws-cli:latest", "latest"),
        ("local/busybox", "docker.io/local/busybox", "local/busybox:latest", "latest"),
        ("localhost/app", "localhost/app", "localhost/app:latest", "latest"),
        ("127.0.0.1:5000/a/b:2", "127.0.0.1:5000/a/b", "127.0.0.1:5000/a/b:2", "2"),
        ("[::1]:5000/app", "[::1]:5000/app", "[::1]:5000/app:latest", "latest"),
        ("public.ecr.aws/aws-cli/aws-cli", "public.ecr.aws/aws-cli/aws-cli",
         "public.ecr.aws/aws-cli/aws-cli:latest", "latest"),
        (f"busybox@{DIGEST}", "docker.io/library/busybox", f"busybox@{DIGEST}", DIGEST),
        (f"busybox:1@{DIGEST}", "docker.io/library/busybox", f"busybox:1@{DIGEST}", DIGEST),
        ("a__b-c_d/e.f", "docker.io/a__b-c_d/e.f", "a__b-c_d/e.f:latest", "latest"),
        # An upper-case first component is a registry host to the CLI (the engine refuses it later).
        ("Upper/x", "Upper/x", "Upper/x:latest", "latest"),
        ("a__b.c-d/e", "a__b.c-d/e", "a__b.c-d/e:latest", "latest"),  # a "host" that is a path to the grammar
    ],
)
def test_named_references(image, name, familiar, pull_tag):
    ref = parse_image(image)
    assert ref is not None
    assert (ref.name, ref.familiar_string(), ref.pull_tag) == (name, familiar, pull_tag)


@pytest.mark.parametrize("image", ["ab" * 32, DIGEST])
def test_an_image_id_is_not_a_name(image):
    assert parse_image(image) is None  # never pulled: "Unable to find image" is for names only


@pytest.mark.parametrize(
    ("image", "message"),
    [
        ("Bad^", "invalid reference format: repository name (library/Bad^) must be lowercase"),
        ("up/Per", "invalid reference format: repository name (up/Per) must be lowercase"),
        ("bad^", "invalid reference format"),
        ("a:b:c", "invalid reference format"),
        ("-x", "invalid reference format"),
        ("a//b", "invalid reference format"),
        ("x:" + "t" * 129, "invalid reference format"),
        ("a/" + "b" * 260, "repository name must not be more than 255 characters"),
    ],
)
def test_unreadable_references(image, message):
    with pytest.raises(InvalidReference) as refused:
        parse_image(image)
    assert str(refused.value) == message




@pytest.mark.parametrize(
    ("image", "tagged"),
    [
        ("busybox", True),  # content trust would look up "latest"
        ("busybox:1", True),
        (f"busybox@{DIGEST}", False),
        (f"busybox:1@{DIGEST}", True),
    ],
)
def test_tagged_is_what_content_trust_would_look_up(image, tagged):
    ref = parse_image(image)
    assert ref is not None
    assert ref.tagged is tagged


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        # Go's \w is ASCII: a non-ASCII letter in a tag or a name is not a reference.
        ("busybox:täg", InvalidReference("invalid reference format")),
        ("bäsybox", InvalidReference("invalid reference format")),
        ("busybox:tag٣", InvalidReference("invalid reference format")),
        # A digest of the wrong length is no digest: "sha256" is then a name and the rest its tag.
        ("sha256:" + "ab" * 16, ImageRef("docker.io", "library/sha256", "ab" * 16, None)),
        # A digest after a name is validated as go-digest does.
        (f"busybox@sha256:{'ab' * 16}", InvalidReference("invalid checksum digest length")),
        (f"busybox@md5:{'ab' * 16}", InvalidReference("unsupported digest algorithm")),
        (f"busybox@sha256:{'AB' * 32}", InvalidReference("invalid checksum digest format")),
        ("sha512:" + "cd" * 64, None),  # a bare digest of another algorithm: an ID, never pulled
        # The legacy Hub host is Docker Hub.
        ("index.docker.io/user/app", ImageRef("docker.io", "user/app", None, None)),
        ("index.docker.io/busybox", ImageRef("docker.io", "library/busybox", None, None)),
    ],
)
def test_the_cases_two_parsers_disagreed_on(image, expected):
    if isinstance(expected, InvalidReference):
        with pytest.raises(InvalidReference) as refused:
            parse_image(image)
        assert str(refused.value) == str(expected)
    else:
        assert parse_image(image) == expected


def test_an_invalid_reference_is_a_value_error_of_the_flag_grammar():
    # Translation reports every refused value (GoValueError) the same way; the runner catches the narrower one.
    with pytest.raises(GoValueError):
        parse_image("bad^")
