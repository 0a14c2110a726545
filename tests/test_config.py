"""Pipeline files: schema, line-precise errors, and the committed JSON schema kept in step."""

from __future__ import annotations

import pytest

from greenmine_geo.config import json_schema, load_pipeline
from greenmine_geo.errors import ConfigError

from conftest import REPO, greenmine

VALID = """\
name: t
steps:
  - step: prerequisite
    mines: m.gpkg
    id_field: mine_id
    redline: r.gpkg
    layers:
      landuse: {path: lu.gpkg, fields: {class: DLMC}}
      key_zones: z.gpkg
"""


def test_valid_pipeline_resolves_paths_against_its_file(tmp_path):
    f = tmp_path / "sub" / "p.yaml"
    f.parent.mkdir()
    f.write_text(VALID, "utf-8")
    pipeline, base = load_pipeline(f)
    step = pipeline.steps[0].resolved(base)
    assert step.mines == [str(f.parent / "m.gpkg")]
    assert step.layers["landuse"].fields == {"class": "DLMC"}
    assert step.layers["key_zones"].path == str(f.parent / "z.gpkg")
    assert step.tolerance_m == 0.05


def test_unknown_key_names_the_key_file_and_line(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text(
        VALID.replace("    redline: r.gpkg\n", "    redline: r.gpkg\n    tolerence_m: 0.1\n"),
        "utf-8",
    )
    with pytest.raises(ConfigError) as err:
        load_pipeline(f)
    assert f"{f}:7: unknown key 'tolerence_m'" in str(err.value)


def test_every_problem_is_listed_with_its_line(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text(
        "name: t\nsteps:\n  - step: prerequisite\n    mines: []\n    redline: r\n    id_field: x\n"
        "    tolerance_m: -1\n",
        "utf-8",
    )
    with pytest.raises(ConfigError) as err:
        load_pipeline(f)
    text = str(err.value)
    assert f"{f}:4: steps[0].mines" in text and f"{f}:7: steps[0].tolerance_m" in text


def test_unknown_step_and_bad_yaml(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text("name: t\nsteps:\n  - step: nonsense\n", "utf-8")
    with pytest.raises(ConfigError, match=":3: steps\\[0\\]: .*'prerequisite', 'greening'"):
        load_pipeline(f)
    f.write_text("name: t\nsteps:\n  - step: greening\n", "utf-8")
    with pytest.raises(ConfigError, match="missing key 'steps\\[0\\].image'"):
        load_pipeline(f)
    f.write_text("name: [unclosed\n", "utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_pipeline(f)
    f.write_text("name: a\nname: b\nsteps: []\n", "utf-8")
    with pytest.raises(ConfigError, match="appears twice"):
        load_pipeline(f)


def test_validate_command(tmp_path):
    r = greenmine("validate", str(REPO / "pipelines" / "demo.yaml"))
    assert r.returncode == 0 and "valid" in r.stdout
    f = tmp_path / "p.yaml"
    f.write_text(VALID + "extra: 1\n", "utf-8")
    r = greenmine("validate", str(f))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "unknown key 'extra'" in r.stderr


def test_committed_schema_matches_the_models():
    committed = (REPO / "pipelines" / "pipeline.schema.json").read_text("utf-8")
    assert committed == json_schema(), "run `make schema` and commit pipelines/pipeline.schema.json"


def test_every_committed_pipeline_validates():
    for f in (REPO / "pipelines").glob("*.yaml"):
        load_pipeline(f)


def test_greening_end_members_in_a_pipeline(tmp_path):
    f = tmp_path / "p.yaml"
    step = "  - step: greening\n    mines: m.gpkg\n    id_field: id\n    image: i.tif\n"
    f.write_text(f"name: t\nsteps:\n{step}    end_member_areas: a.gpkg\n", "utf-8")
    pipeline, base = load_pipeline(f)
    assert pipeline.steps[0].resolved(base).end_member_areas == str(tmp_path / "a.gpkg")
    f.write_text(f"name: t\nsteps:\n{step}    end_members: [0.9, 0.1]\n", "utf-8")
    with pytest.raises(ConfigError) as err:
        load_pipeline(f)
    assert f"{f}:7: steps[0].end_members" in str(err.value) and "below" in str(err.value)


def _laughs(levels: int = 9) -> str:
    """The "billion laughs": each level ten aliases of the one below (10^9 values)."""
    lines = ["l0: &l0 [" + ", ".join(['"lol"'] * 10) + "]"]
    lines += [f"l{k}: &l{k} [" + ", ".join([f"*l{k - 1}"] * 10) + "]" for k in range(1, levels)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (_laughs(), "expands to"),
        ('name: x\nsteps:\n  - !!python/object/apply:os.system ["echo pwned"]\n', "not allowed"),
        ("name: x\nsteps: " + "[" * 100 + "]" * 100 + "\n", "deeper than"),
    ],
)
def test_hostile_pipeline_files_are_refused_at_once(tmp_path, text, says):
    # a "billion laughs" of anchors and aliases, an object tag, absurd nesting
    path = tmp_path / "p.yaml"
    path.write_text(text, "utf-8")
    r = greenmine("validate", str(path))
    assert r.returncode == 2 and says in r.stderr and len(r.stderr.strip().splitlines()) == 1, (
        r.stderr
    )


def test_an_oversized_pipeline_file_is_refused(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("name: x\n# " + "x" * (2 << 20) + "\n", "utf-8")
    r = greenmine("validate", str(path))
    assert r.returncode == 2 and "parameters only" in r.stderr
