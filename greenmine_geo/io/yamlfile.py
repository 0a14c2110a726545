"""YAML files read with the line of every key, so errors can point at the line.

Pipeline files are small and hold plain data: they are parsed with the safe loader
(no object tags), refused above :data:`MAX_BYTES`, and their nodes are counted as
anchors and aliases are expanded, so a "billion laughs" file is refused at once
(:data:`MAX_NODES`), as is nesting deeper than :data:`MAX_DEPTH`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError

__all__ = ["LineMap", "read_yaml_with_lines"]

#: Path of keys/indices inside the document → 1-based line number.
LineMap = dict[tuple[str | int, ...], int]

#: Largest pipeline file read (bytes).
MAX_BYTES = 1 << 20
#: Most nodes once aliases are expanded, and deepest nesting.
MAX_NODES = 100_000
MAX_DEPTH = 64
_PLAIN_TAGS = {
    f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq")
} | {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:merge"}


def _expanded_size(node: yaml.Node, depth: int = 0, memo: dict[int, int] | None = None) -> int:
    """Nodes in the document once aliases are expanded, counted without expanding them
    (an alias is the same node object, counted once per use from a memo)."""
    memo = {} if memo is None else memo
    if depth > MAX_DEPTH:
        raise ConfigError(
            f"line {node.start_mark.line + 1}: nesting deeper than {MAX_DEPTH}; write it out plainly"
        )
    if node.tag not in _PLAIN_TAGS:
        raise ConfigError(
            f"line {node.start_mark.line + 1}: the tag {node.tag} is not allowed; "
            "pipeline files hold plain values"
        )
    if id(node) not in memo:
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        memo[id(node)] = 1 + sum(_expanded_size(c, depth + 1, memo) for c in children)
    return memo[id(node)]


def _walk(node: yaml.Node, path: tuple[str | int, ...], lines: LineMap) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            if key in out:
                raise ConfigError(f"line {key_node.start_mark.line + 1}: key {key!r} appears twice")
            lines[(*path, key)] = key_node.start_mark.line + 1
            out[key] = _walk(value_node, (*path, key), lines)
            lines[(*path, key)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_walk(v, (*path, i), lines) for i, v in enumerate(node.value)]
    return yaml.safe_load(yaml.serialize(node))


def read_yaml_with_lines(path: str | os.PathLike[str]) -> tuple[Any, LineMap]:
    """Parse a YAML file safely; return the data and the line of each key.

    Raises
    ------
    ConfigError
        When the file is missing or is not valid YAML.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path} does not exist; check the path")
    if path.stat().st_size > MAX_BYTES:
        raise ConfigError(
            f"{path} is {path.stat().st_size:,} bytes; a pipeline file holds parameters only "
            f"(at most {MAX_BYTES:,} bytes)"
        )
    try:
        node = yaml.compose(path.read_text("utf-8"), Loader=yaml.SafeLoader)
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not UTF-8 text ({exc.reason}); save it as UTF-8") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        raise ConfigError(
            f"{path}{where}: not valid YAML ({getattr(exc, 'problem', exc)})"
        ) from exc
    except ConfigError as exc:
        raise ConfigError(f"{path}:{exc}") from exc
    lines: LineMap = {}
    if node is None:
        return {}, lines
    try:
        size = _expanded_size(node)
    except ConfigError as exc:
        raise ConfigError(f"{path} {exc}") from exc
    if size > MAX_NODES:
        raise ConfigError(
            f"{path}: the file expands to {size:,} values (repeated anchors and aliases), more "
            f"than {MAX_NODES:,}; write it out plainly"
        )
    try:
        data = _walk(node, (), lines)
    except ConfigError as exc:
        raise ConfigError(f"{path} {exc}") from exc
    return data, lines
