"""--gpus: the CSV request syntax -> an Engine API DeviceRequest."""

from __future__ import annotations

from typing import Any

from cloudshell_docker.options.values.gocompat import GoValueError, go_atoi, go_csv_record

__all__ = ["parse_gpus"]


def _count(text: str) -> int:
    if text == "all":
        return -1
    try:
        return go_atoi(text)
    except GoValueError as err:
        reason = str(err).rsplit(": ", 1)[-1]
        raise GoValueError(f'invalid count ({text}): value must be either "all" or an integer: {reason}') from None


def parse_gpus(value: str) -> dict[str, Any]:
    """``all``, ``2``, ``device=0``, ``"capabilities=compute,utility",count=1``, ``driver=nvidia``..."""
    fields = go_csv_record(value)
    request: dict[str, Any] = {"Driver": "", "Count": 0, "DeviceIDs": None, "Capabilities": None, "Options": None}
    seen: set[str] = set()
    for field in fields:
        key, sep, val = field.partition("=")
        if key in seen:
            raise GoValueError(f"gpu request key '{key}' can be specified only once")
        seen.add(key)
        if not sep:
            seen.add("count")
            request["Count"] = _count(key)
            continue
        if key == "driver":
            request["Driver"] = val
        elif key == "count":
            request["Count"] = _count(val)
        elif key == "device":
            request["DeviceIDs"] = val.split(",")
        elif key == "capabilities":
            request["Capabilities"] = [[*val.split(","), "gpu"]]
        elif key == "options":
            try:
                options = go_csv_record(val)
            except GoValueError as err:
                raise GoValueError(f"failed to read gpu options: {err}") from None
            request["Options"] = {k: v for k, _, v in (item.partition("=") for item in options)}
        else:
            raise GoValueError(f"unexpected key '{key}' in '{field}'")
    if "count" not in seen and request["DeviceIDs"] is None:
        request["Count"] = 1
    if request["Options"] is None:
        request["Options"] = {}
    if request["Capabilities"] is None:
        request["Capabilities"] = [["gpu"]]
    return request
