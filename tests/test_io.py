"""Atomic outputs and manifests: an interrupted run never leaves a result that looks complete."""

from __future__ import annotations

import json

import pytest

from greenmine_geo.errors import InputError
from greenmine_geo.io.atomic import atomic_output, clear_stale_manifest
from greenmine_geo.io.manifest import file_sha256, write_manifest
from greenmine_geo.io.tables import read_exemptions


def test_interrupted_write_leaves_nothing_under_the_final_name(tmp_path):
    final = tmp_path / "result.csv"
    final.write_text("old complete result")
    with pytest.raises(KeyboardInterrupt), atomic_output(final) as tmp:
        tmp.write_text("half of the new")
        raise KeyboardInterrupt
    assert final.read_text() == "old complete result"
    assert list(tmp_path.iterdir()) == [final]


def test_manifest_marks_completion_and_hashes_outputs(tmp_path):
    (tmp_path / "manifest.json").write_text("{}")
    clear_stale_manifest(tmp_path)
    assert not (tmp_path / "manifest.json").exists()
    out = tmp_path / "a.csv"
    out.write_text("x\n1\n")
    write_manifest(tmp_path, command="t", inputs=[], parameters={"k": 1}, outputs=[out])
    m = json.loads((tmp_path / "manifest.json").read_text())
    assert m["outputs"] == [{"path": "a.csv", "sha256": file_sha256(out)}]
    assert m["software"]["geos"] and m["parameters"] == {"k": 1}


def test_shapefile_hash_covers_every_part(tmp_path):
    for suffix in (".shp", ".shx", ".dbf", ".prj"):
        (tmp_path / f"a{suffix}").write_bytes(b"x")
    before = file_sha256(tmp_path / "a.shp")
    (tmp_path / "a.prj").write_bytes(b"other CRS")
    assert file_sha256(tmp_path / "a.shp") != before


def test_exemptions_in_gbk_with_chinese_headers(tmp_path):
    f = tmp_path / "ex.csv"
    f.write_bytes("矿山编号,豁免理由,批准文号\nM1,国家重大项目,自然资函〔2024〕1号\n".encode("gbk"))
    ex = read_exemptions(f)
    assert ex.to_dict("records") == [
        {"mine_id": "M1", "reason": "国家重大项目", "document": "自然资函〔2024〕1号"}
    ]


def test_exemption_without_document_is_refused(tmp_path):
    f = tmp_path / "ex.csv"
    f.write_text("mine_id,reason,document\nM1,because,\n", "utf-8")
    with pytest.raises(InputError, match="must cite the document"):
        read_exemptions(f)
