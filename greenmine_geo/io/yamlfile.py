"""YAML files read with the line of every key, so errors can point at the line."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError

__all__ = ["LineMap", "read_yaml_with_lines"]

#: Path of keys/indices inside the document → 1-based line number.
LineMap = dict[tuple[str | int, ...], int]


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
    if not path.exists():
        raise ConfigError(f"{path} does not exist; check the path")
    try:
        node = yaml.compose(path.read_text("utf-8"), Loader=yaml.SafeLoader)
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
        data = _walk(node, (), lines)
    except ConfigError as exc:
        raise ConfigError(f"{path} {exc}") from exc
    return data, lines
