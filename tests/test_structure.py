"""The house rules anyone can check with scripts/check_structure.py hold for the package."""

from __future__ import annotations

import check_structure


def test_no_long_functions_and_imports_run_one_way():
    assert check_structure.problems() == []


def test_the_layer_check_sees_relative_imports_upwards(tmp_path, monkeypatch):
    # a module of the io layer importing a step (relative import): a problem to report
    pkg = tmp_path / "greenmine_geo"
    (pkg / "io").mkdir(parents=True)
    (pkg / "steps").mkdir()
    (pkg / "io" / "bad.py").write_text("from ..steps import greening\n", "utf-8")
    (pkg / "steps" / "greening.py").write_text("", "utf-8")
    monkeypatch.setattr(check_structure, "ROOT", pkg)
    found = check_structure.problems()
    assert len(found) == 1 and "io.bad (layer 2) imports steps (layer 7)" in found[0]
