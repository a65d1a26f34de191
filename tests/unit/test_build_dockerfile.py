"""Which secrets a build's stages mount, read as BuildKit reads a Dockerfile; and when a build needs csdocker."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudshell_docker.imagebuild.args import parse_build_args
from cloudshell_docker.imagebuild.dockerfile import UNKNOWN_ID, Unseeable, secret_ids_built
from cloudshell_docker.imagebuild.needs import dockerfile_path, needs_credentials

AWS = "--mount=type=secret,id=aws,target=/root/.aws/credentials"


@pytest.mark.parametrize(("text", "ids"), [
    ("FROM busybox\nRUN echo hi\n", set()),
    (f"FROM busybox\nRUN {AWS} aws s3 ls\n", {"aws"}),
    ("from busybox\nrun --mount=type=secret,id=aws-config true\n", {"aws-config"}),
    ("FROM busybox\nRUN --mount=TYPE=Secret,ID=aws true\n", {"aws"}),  # keys and type case-insensitive
    ("FROM busybox\nRUN --mount=type=secret,target=/root/.aws/aws true\n", {"aws"}),  # id: the target's name
    ("FROM busybox\nRUN --mount=type=secret,dst=/run/secrets/other true\n", {"other"}),
    ("FROM busybox\nRUN --mount=type=secret,id=aws,required=true,env=AWS_X true\n", {"aws"}),
    ('FROM busybox\nRUN --mount="type=secret,id=aws" true\n', {"aws"}),  # quoted
    ("FROM busybox\nRUN --mount=type=secret,id=$ID true\n", {UNKNOWN_ID}),
    ("FROM busybox\nRUN --mount=type=secret true\n", {UNKNOWN_ID}),
    ("FROM busybox\nRUN --mount=type=cache,target=/root/.aws true\n", set()),
    ("FROM busybox\nRUN --network=host --mount=type=secret,id=aws true\n", {"aws"}),
    ("FROM busybox\nRUN echo --mount=type=secret,id=aws\n", set()),  # in the command, not a flag
    # continuations, comments inside them, empty lines
    ("FROM busybox\nRUN \\\n  # a comment\n\n  --mount=type=secret,id=aws true\n", {"aws"}),
    ("FROM busybox\nRUN true \\  \n --mount=type=secret,id=aws\n", set()),
    # the escape directive
    ("# escape=`\nFROM busybox\nRUN `\n --mount=type=secret,id=aws true\n", {"aws"}),
    ("# escape=`\nFROM busybox\nRUN \\\n--mount=type=secret,id=aws true\n", set()),  # \\ ends nothing: 2 lines
    ("#escape=\\\nFROM busybox\nRUN \\\n --mount=type=secret,id=aws true\n", {"aws"}),
    ("# comment\n# escape=`\nFROM busybox\nRUN `\n --mount=type=secret,id=aws true\n", set()),  # too late
    ("# commented out: RUN --mount=type=secret,id=aws\nFROM busybox\n", set()),
    ("\ufeffFROM busybox\nRUN --mount=type=secret,id=aws true\n", {"aws"}),
    # ONBUILD counts, to be safe
    ("FROM busybox\nONBUILD RUN --mount=type=secret,id=aws true\n", {"aws"}),
])
def test_the_secrets_mounted(text, ids):
    assert secret_ids_built(text) == ids


MULTI = (
    "FROM busybox AS base\nRUN true\n"
    f"FROM busybox AS fetch\nRUN {AWS} aws s3 cp s3://b/k /k\n"
    "FROM base AS app\nRUN true\n"
    "FROM busybox AS tool\nCOPY --from=fetch /k /k\n"
    "FROM busybox AS mounter\nRUN --mount=from=fetch,target=/f true\n"
    "FROM busybox AS byindex\nCOPY --from=1 /k /k\n"
    "FROM app AS last\n"
)


@pytest.mark.parametrize(("target", "ids"), [
    (None, set()),  # the last stage: last <- app <- base
    ("app", set()),
    ("APP", set()),  # stage names are case-insensitive
    ("fetch", {"aws"}),
    ("tool", {"aws"}),  # COPY --from
    ("mounter", {"aws"}),  # RUN --mount=from=
    ("byindex", {"aws"}),  # COPY --from=INDEX
    ("nowhere", {"aws"}),  # not found: every stage, the builder reports it
])
def test_only_the_stages_the_target_depends_on(target, ids):
    assert secret_ids_built(MULTI, target) == ids


@pytest.mark.parametrize("text", [
    f"ARG B=fetch\nFROM busybox AS fetch\nRUN {AWS} true\nFROM ${{B}}\n",
    f"FROM busybox AS fetch\nRUN {AWS} true\nFROM busybox\nARG S\nCOPY --from=$S /k /k\n",
    # a heredoc: newer frontends read its body as text, older ones as instructions: both ways
    f"FROM busybox AS fetch\nRUN {AWS} true\nFROM busybox\nRUN <<EOF\necho hi\nEOF\n",
    f"FROM busybox\nRUN <<EOF\n{AWS[8:]}\nRUN {AWS} true\nEOF\n",
])
def test_what_cannot_be_pinned_down_counts_every_stage(text):
    assert "aws" in secret_ids_built(text)


@pytest.mark.parametrize("text", [
    "# syntax=docker/dockerfile:1\nFROM busybox\n",
    "#Syntax = example.com/frontend\nFROM busybox\n",
    "# escape=`\n\n# syntax=docker/dockerfile:1\nFROM busybox\n",  # a comment to BuildKit; be safe
    "# escape=x\nFROM busybox\n",
])
def test_a_frontend_or_directive_csdocker_cannot_follow_is_unseeable(text):
    with pytest.raises(Unseeable):
        secret_ids_built(text)


def _needs(tmp_path: Path, argv: list[str], dockerfile: str | None = "FROM busybox\n") -> bool:
    context = tmp_path / "ctx"
    context.mkdir(exist_ok=True)
    if dockerfile is not None:
        (context / "Dockerfile").write_text(dockerfile)
    return needs_credentials(parse_build_args(argv), str(tmp_path))


def test_a_plain_local_build_needs_nothing(tmp_path):
    assert _needs(tmp_path, ["ctx"]) is False
    assert _needs(tmp_path, ["ctx"], f"FROM busybox\nRUN {AWS} true\n") is True
    assert _needs(tmp_path, ["--target", "x", "ctx"], f"FROM busybox AS x\nFROM busybox\nRUN {AWS} true\n") is False


@pytest.mark.parametrize("argv", [
    ["-"],  # the context on stdin
    ["-f", "-", "ctx"],  # the Dockerfile on stdin: reading it would consume it
    ["https://example.invalid/context.tar"],
    ["github.com/example/repo"],
    ["git@example.invalid:repo.git"],
    ["nowhere"],  # not a directory: the CLI says so
    ["--build-arg", "BUILDKIT_SYNTAX=example/frontend", "ctx"],
    ["-f", "missing", "ctx"],
])
def test_what_csdocker_cannot_see_takes_the_credentials_path(tmp_path, argv):
    assert _needs(tmp_path, argv) is True


def test_the_dockerfile_is_where_the_cli_looks(tmp_path):
    context = tmp_path / "ctx"
    context.mkdir()
    assert dockerfile_path("ctx", None, str(tmp_path)) == str(context / "Dockerfile")
    (context / "dockerfile").write_text("FROM busybox\n")
    assert dockerfile_path("ctx", None, str(tmp_path)) == str(context / "dockerfile")
    (context / "Dockerfile").write_text("FROM busybox\n")
    assert dockerfile_path("ctx", None, str(tmp_path)) == str(context / "Dockerfile")
    # -f is relative to the current directory, not the context
    assert dockerfile_path("ctx", "sub/Dfile", str(tmp_path)) == str(tmp_path / "sub" / "Dfile")
    (tmp_path / "Dfile").write_text(f"FROM busybox\nRUN {AWS} true\n")
    assert needs_credentials(parse_build_args(["-f", "Dfile", "ctx"]), str(tmp_path)) is True
    assert needs_credentials(parse_build_args(["ctx"]), str(tmp_path)) is False


def test_a_dockerfile_that_is_no_regular_file_is_not_read(tmp_path):
    import os

    (tmp_path / "ctx").mkdir()
    os.mkfifo(tmp_path / "pipe")  # opening it to read would wait for a writer; reading would consume it
    assert needs_credentials(parse_build_args(["-f", "pipe", "ctx"]), str(tmp_path)) is True
    assert needs_credentials(parse_build_args(["-f", "/dev/null", "ctx"]), str(tmp_path)) is True
