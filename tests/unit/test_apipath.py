"""Go's path.Clean (its documented examples) and where a container reference lands in the API path."""

from __future__ import annotations

import pytest

from cloudshell_docker.options.values.apipath import EMPTY, LISTED, UNROUTED, container_in_path, go_path_clean


@pytest.mark.parametrize(("given", "cleaned"), [
    ("a/c", "a/c"), ("a//c", "a/c"), ("a/c/.", "a/c"), ("a/c/b/..", "a/c"), ("/../a/c", "/a/c"),
    ("/../a/b/../././/c", "/a/c"), ("", "."), ("..", ".."), ("../..", "../.."), ("a/../..", ".."),
    ("/", "/"), ("//a", "/a"), ("abc/", "abc"),
])
def test_go_path_clean(given, cleaned):
    assert go_path_clean(given) == cleaned


@pytest.mark.parametrize(("reference", "landing"), [
    ("web", ("web", None)), ("/web", ("web", None)), ("web/", ("web", None)), ("./web", ("web", None)),
    ("x/../web", ("web", None)), ("a/b", ("a/b", None)), ("../containers/web", ("web", None)),
    ("", (None, EMPTY)), (".", (None, LISTED)), ("x/..", (None, LISTED)), ("/", (None, LISTED)),
    ("..", (None, UNROUTED)), ("../web", (None, UNROUTED)),
])
def test_where_a_reference_lands(reference, landing):
    placed = container_in_path(reference, "/v1.41")
    assert (placed.reference, placed.error) == landing
