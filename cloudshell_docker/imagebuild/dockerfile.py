"""Which secrets the stages of a build mount, read from the Dockerfile as BuildKit's frontend reads it. Pure.

``secret_ids_built(text, target)`` answers the one question ``csdocker build`` asks: which
secret ids do the ``RUN --mount=type=secret`` of the stages this build builds name? Those
stages are the target (``--target``, else the last stage) and every stage it depends on:
its ``FROM`` chain, ``COPY --from=``, ``RUN --mount=...,from=``. (BuildKit builds only those;
the legacy builder builds every stage, but it cannot mount a secret at all.)

What is read as BuildKit reads it: the parser directives at the top (``# escape=``), line
continuations (the escape character at the end of a line; comment and empty lines inside
a continuation skipped), comments, instructions case-insensitive, stage names
case-insensitive, an instruction's flags as ``--name=value`` words (quotes honoured), a
mount's CSV (keys case-insensitive, ``type`` lowered, a secret's ``id`` defaulting to its
target's base name), ``ONBUILD`` (counted in its own stage, to be safe).

Whatever csdocker cannot be sure of is answered on the safe side, never by guessing:

- ``Unseeable`` (the caller keeps the credentials path): a ``# syntax=`` frontend (it may
  read the file otherwise), a bad ``escape`` directive;
- a secret mount whose id cannot be known (``$`` in it, no id and no target) counts as
  ``UNKNOWN_ID``, which the caller takes as one of its own;
- a stage reference with ``$`` in it, a target that is not found, or a heredoc (``<<EOF``:
  newer frontends read its body as text, older ones as instructions) make every stage count
  as built, and with a heredoc every line is looked at as a possible instruction.
"""

from __future__ import annotations

import csv
import posixpath
import re
from dataclasses import dataclass, field

__all__ = ["UNKNOWN_ID", "Unseeable", "secret_ids_built"]

UNKNOWN_ID = "\0unknown"  # a secret mount whose id the text does not fix

_DIRECTIVE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$")
_HEREDOC = re.compile(r"<<-?\s*([\"']?)([A-Za-z_][A-Za-z0-9_-]*)\1")
_HEREDOC_INSTRUCTIONS = ("RUN", "COPY", "ADD")


class Unseeable(Exception):
    """The Dockerfile cannot be read for sure as the builder will read it (the reason is the message)."""


@dataclass
class _Stage:
    name: str | None
    references: list[str] = field(default_factory=list)  # FROM base, COPY --from, mount from= (as typed)
    secret_ids: set[str] = field(default_factory=set)


@dataclass
class _Reading:
    stages: list[_Stage] = field(default_factory=list)
    every_stage: bool = False  # something makes the dependency pruning unsafe


def _directives(lines: list[str]) -> tuple[str, int]:
    """The escape character and the index of the first line after the parser directives."""
    escape = "\\"
    seen: set[str] = set()
    index = 0
    for index, line in enumerate(lines):  # noqa: B007 - the index after the loop is the answer
        match = _DIRECTIVE.match(line)
        if match is None:
            break
        key, value = match.group(1).lower(), match.group(2)
        if key in seen:
            raise Unseeable(f"the parser directive '{key}' is given twice")
        seen.add(key)
        if key == "syntax":
            raise Unseeable("a '# syntax=' frontend reads the Dockerfile its own way")
        if key == "escape":
            if value not in ("\\", "`"):
                raise Unseeable(f"the escape directive {value!r} is not one BuildKit takes")
            escape = value
    else:
        index = len(lines)
    # A '# syntax=' further down is a comment to BuildKit; a frontend that looks again may differ: be safe.
    for line in lines[index:]:
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            break
        match = _DIRECTIVE.match(stripped)
        if match is not None and match.group(1).lower() == "syntax":
            raise Unseeable("a '# syntax=' frontend reads the Dockerfile its own way")
    return escape, index


def _is_comment_or_empty(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _logical_lines(lines: list[str], start: int, escape: str) -> tuple[list[str], bool]:
    """The instructions, continuations joined; and whether a heredoc was seen."""
    continuation = re.compile(re.escape(escape) + r"[ \t]*$")
    found: list[str] = []
    heredoc = False
    index = start
    while index < len(lines):
        line = lines[index]
        index += 1
        if _is_comment_or_empty(line):
            continue
        logical = line
        match = continuation.search(logical)
        while match is not None:
            logical = logical[:match.start()]
            while index < len(lines) and _is_comment_or_empty(lines[index]):
                index += 1
            if index >= len(lines):
                break
            logical += lines[index]
            index += 1
            match = continuation.search(logical)
        found.append(logical)
        words = logical.split(None, 1)
        if words and words[0].upper() in (*_HEREDOC_INSTRUCTIONS, "ONBUILD") and _HEREDOC.search(logical):
            heredoc = True
    return found, heredoc


def _flag_words(rest: str, escape: str) -> list[str]:
    """The leading ``--name=value`` words of an instruction's arguments, quotes removed."""
    words: list[str] = []
    index = 0
    while index < len(rest):
        while index < len(rest) and rest[index].isspace():
            index += 1
        if not rest.startswith("--", index):
            break
        word, quote = "", ""
        while index < len(rest):
            char = rest[index]
            if quote:
                if char == quote:
                    quote = ""
                elif char == escape and quote == '"' and index + 1 < len(rest):
                    index += 1
                    word += rest[index]
                else:
                    word += char
            elif char in "\"'":
                quote = char
            elif char.isspace():
                break
            elif char == escape and index + 1 < len(rest):
                index += 1
                word += rest[index]
            else:
                word += char
            index += 1
        words.append(word)
    return words


def _flag_values(words: list[str], name: str) -> list[str]:
    prefix = f"--{name}="
    return [word[len(prefix):] for word in words if word.lower().startswith(prefix)]


def _read_mount(spec: str, stage: _Stage) -> None:
    try:
        fields = next(csv.reader([spec]), [])
    except csv.Error:
        stage.secret_ids.add(UNKNOWN_ID)  # BuildKit reads it some way: be safe
        return
    values: dict[str, str] = {}
    for item in fields:
        key, _, value = item.partition("=")
        values[key.strip().lower()] = value
    if "from" in values:
        stage.references.append(values["from"])
    if values.get("type", "bind").lower() != "secret":
        return
    secret_id = values.get("id", "")
    if not secret_id:
        target = values.get("target") or values.get("dst") or values.get("destination") or ""
        secret_id = posixpath.basename(target.rstrip("/")) if target else ""
    stage.secret_ids.add(secret_id if secret_id and "$" not in secret_id else UNKNOWN_ID)


def _read_instruction(line: str, reading: _Reading, escape: str) -> None:
    words = line.split(None, 1)
    keyword, rest = words[0].upper(), (words[1] if len(words) > 1 else "")
    if keyword == "ONBUILD":
        _read_instruction(rest, reading, escape)
        return
    if keyword == "FROM":
        parts = [word for word in rest.split() if not word.startswith("--")]
        name = parts[2].lower() if len(parts) >= 3 and parts[1].lower() == "as" else None
        if name is not None and "$" in name:
            reading.every_stage = True
        stage = _Stage(name)
        if parts:
            stage.references.append(parts[0])
        reading.stages.append(stage)
        return
    if not reading.stages:
        return  # ARG before the first FROM, or a parse error the builder reports
    stage = reading.stages[-1]
    flags = _flag_words(rest, escape)
    if keyword == "COPY":
        stage.references.extend(_flag_values(flags, "from"))
    elif keyword == "RUN":
        for spec in _flag_values(flags, "mount"):
            _read_mount(spec, stage)


def _built(reading: _Reading, target: str | None) -> list[_Stage]:
    stages = reading.stages
    if reading.every_stage or not stages:
        return stages
    by_name = {stage.name: index for index, stage in enumerate(stages) if stage.name is not None}
    if target is None:
        start = len(stages) - 1
    elif target.lower() in by_name:
        start = by_name[target.lower()]
    else:
        return stages  # the builder reports it; csdocker does not guess
    todo, seen = [start], {start}
    while todo:
        for reference in stages[todo.pop()].references:
            if "$" in reference:
                return stages
            found = by_name.get(reference.lower())
            if found is None and reference.isdigit() and int(reference) < len(stages):
                found = int(reference)
            if found is not None and found not in seen:
                seen.add(found)
                todo.append(found)
    return [stage for index, stage in enumerate(stages) if index in seen]


def secret_ids_built(text: str, target: str | None = None) -> set[str]:
    """The secret ids the stages that a build of ``target`` (None: the last stage) builds mount.

    ``UNKNOWN_ID`` among them for a mount whose id the text does not fix; ``Unseeable`` when
    the file cannot be read for sure as the builder reads it.
    """
    lines = text.removeprefix("\ufeff").splitlines()
    escape, start = _directives(lines)
    logical, heredoc = _logical_lines(lines, start, escape)
    reading = _Reading()
    if heredoc:
        # Read every physical line too: an older frontend takes a heredoc's body for instructions.
        reading.every_stage = True
        logical = logical + [line for line in lines[start:] if not _is_comment_or_empty(line)]
    for line in logical:
        _read_instruction(line, reading, escape)
    ids: set[str] = set()
    for stage in _built(reading, target):
        ids |= stage.secret_ids
    return ids
