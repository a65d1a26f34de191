"""whoami's time-left wording."""

from __future__ import annotations

import pytest

from cloudshell_docker.commands.whoami import format_time_left


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(-5, "expired"), (0, "expired"), (0.5, "0m 00s"), (59, "0m 59s"), (61, "1m 01s"), (3599, "59m 59s"),
     (3600, "1h 00m"), (43199, "11h 59m"), (86400 + 3 * 3600 + 59, "1d 03h")],
)
def test_format_time_left(seconds, text):
    assert format_time_left(seconds) == text
