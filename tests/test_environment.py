"""pyproject.toml is the install truth; environment.yml (conda-forge) must list the same."""

from __future__ import annotations

import re
import tomllib

import yaml

from conftest import REPO

# PyPI name → conda-forge name, where they differ
_CONDA_NAME: dict[str, str] = {}


def _parse(spec: str) -> tuple[str, str]:
    # extras (psycopg[binary]) choose wheels on PyPI; conda-forge packages need none
    m = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(?:\[[\w,\s-]*\])?\s*(.*?)\s*", spec)
    assert m, spec
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def test_environment_yml_lists_the_pyproject_dependencies():
    project = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]
    wanted = dict(
        _parse(s) for s in project["dependencies"] + project["optional-dependencies"]["dev"]
    )
    wanted = {_CONDA_NAME.get(k, k): v for k, v in wanted.items()}
    env = yaml.safe_load((REPO / "environment.yml").read_text("utf-8"))
    assert env["channels"] == ["conda-forge"]
    listed = dict(_parse(s) for s in env["dependencies"] if isinstance(s, str))
    python = listed.pop("python")
    listed.pop("pip", None)
    assert python == project["requires-python"]
    assert listed == wanted
