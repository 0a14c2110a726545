"""The imagery review, as a reviewer runs it, on honest and hostile files made in code."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.enums import ColorInterp

from conftest import greenmine
from rasters import mines_file, oriented, vegetated, write_image
from review_bench import review_params, write_bomb

WINDOW = ["--review-from", "2026-01-01", "--review-to", "2026-12-31"]


def review(image, tmp_path: Path, *extra: str, out: str = "out"):
    r = greenmine(
        "review-imagery",
        str(image),
        "--mines",
        mines_file(tmp_path),
        "--id-field",
        "mine_id",
        "--mine-id",
        "M1",
        *WINDOW,
        *extra,
        "--out",
        str(tmp_path / out),
    )
    assert r.returncode == 0, r.stderr
    result = json.loads((tmp_path / out / "review.json").read_text("utf-8"))
    return result, {c["id"]: c for c in result["checks"]}


def review_two(first: Path, second: Path, tmp_path: Path) -> dict:
    """Review ``first`` claimed 2026-06-01, then ``second`` claimed 2026-08-20, into one registry."""
    reg = str(tmp_path / "registry")
    for image, acquired, out in ((first, "2026-06-01", "a"), (second, "2026-08-20", "b")):
        _, checks = review(
            image,
            tmp_path,
            "--bands",
            "red=3,nir=4",
            "--acquired",
            acquired,
            "--registry",
            reg,
            out=out,
        )
    return checks


IDS = [
    "format",
    "dimensions",
    "crs",
    "coverage",
    "resolution",
    "bands",
    "date",
    "nodata_cloud",
    "overviews",
    "duplicate",
    "spectral_consistency",
]


def test_honest_image_passes_every_check(tmp_path):
    img = write_image(tmp_path / "ok.tif", vegetated(800, 800), overviews=[2, 4, 8])
    result, checks = review(
        img,
        tmp_path,
        "--bands",
        "red=3,nir=4,green=2,blue=1",
        "--acquired",
        "2026-07-15",
        "--registry",
        str(tmp_path / "reg"),
    )
    assert [c["id"] for c in result["checks"]] == IDS
    assert {k: c["status"] for k, c in checks.items()} == dict.fromkeys(IDS, "PASS"), result
    assert result["overall"] == "PASS"
    assert checks["resolution"]["evidence"]["gsd_x_m"] == pytest.approx(1.0, abs=0.01)
    assert checks["coverage"]["evidence"]["uncovered_pct"] == pytest.approx(0, abs=0.01)
    html = (tmp_path / "out" / "review.html").read_text("utf-8")
    assert "影像审查" in html and "PASS" in html


def test_vrt_disguised_as_tif_is_refused_without_reading_its_target(tmp_path):
    secret = tmp_path / "secret.bin"
    secret.write_bytes(b"TOPSECRET-CONTENT-" * 100)
    vrt = tmp_path / "image.tif"
    vrt.write_text(f"""<VRTDataset rasterXSize="10" rasterYSize="10">
  <VRTRasterBand dataType="Byte" band="1" subClass="VRTRawRasterBand">
    <SourceFilename relativetoVRT="0">{secret}</SourceFilename>
    <ImageOffset>0</ImageOffset><PixelOffset>1</PixelOffset><LineOffset>10</LineOffset>
  </VRTRasterBand></VRTDataset>""")
    result, checks = review(vrt, tmp_path)
    assert checks["format"]["status"] == "FAIL" and "not a GeoTIFF" in checks["format"]["message"]
    assert result["overall"] == "FAIL"
    for f in (tmp_path / "out").iterdir():
        assert b"TOPSECRET" not in f.read_bytes(), f
        assert str(secret).encode() not in f.read_bytes(), f


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (b"\x89HDF\r\n\x1a\n" + bytes(100), "HDF"),
        (b"\xff\xd8\xff\xe0" + bytes(100), "JPEG"),
        (b"", "empty"),
    ],
)
def test_other_formats_fail_format(tmp_path, content, kind):
    f = tmp_path / "x.tif"
    f.write_bytes(content)
    _, checks = review(f, tmp_path)
    assert checks["format"]["status"] == "FAIL" and kind in checks["format"]["message"]


def test_aux_xml_sidecar_cannot_move_the_georeferencing(tmp_path):
    img = write_image(tmp_path / "img.tif", vegetated(800, 800))
    # a sidecar that would move the image 10 km east, off the mine
    (tmp_path / "img.tif.aux.xml").write_text(
        "<PAMDataset><GeoTransform>37509700, 1, 0, 4500500, 0, -1</GeoTransform></PAMDataset>"
    )
    _, checks = review(img, tmp_path, "--bands", "red=3,nir=4")
    assert checks["coverage"]["status"] == "PASS"


def test_sparse_file_declaring_a_huge_image_is_a_bomb(tmp_path):
    bomb = write_bomb(tmp_path / "bomb.tif")
    assert bomb.stat().st_size < 2**20
    _, checks = review(bomb, tmp_path)
    assert checks["dimensions"]["status"] == "FAIL"
    assert "decompression bomb" in checks["dimensions"]["message"]
    assert checks["format"]["status"] == "PASS"


def test_truncated_tiff_fails_format(tmp_path):
    img = write_image(tmp_path / "img.tif", vegetated(800, 800), compress="none")
    data = img.read_bytes()
    img.write_bytes(data[: len(data) // 2])
    result, checks = review(img, tmp_path, "--bands", "red=3,nir=4")
    assert (
        checks["format"]["status"] == "FAIL"
        and "truncated or corrupt" in checks["format"]["message"]
    )
    assert checks["dimensions"]["status"] == "PASS"  # the header is intact; the pixels are not
    assert result["overall"] == "FAIL"


def test_stale_overviews_are_caught(tmp_path):
    img = write_image(tmp_path / "img.tif", vegetated(800, 800), overviews=[2, 4, 8])
    # bare soil painted over the full resolution afterwards; the overviews still show grass
    with rasterio.open(img, "r+") as ds:
        ds.write(
            np.full((4, 400, 400), [[[900]], [[1000]], [[1100]], [[1200]]], dtype="uint16"),
            window=rasterio.windows.Window(200, 200, 400, 400),
        )
    _, checks = review(img, tmp_path, "--bands", "red=3,nir=4")
    ov = checks["overviews"]
    assert ov["status"] == "FAIL", ov
    assert ov["evidence"]["mismatch_pct"] > 10  # a quarter of the image was repainted


def test_same_pixels_with_another_date_are_caught(tmp_path):
    pixels = vegetated(800, 800, seed=3)
    first = write_image(tmp_path / "2025.tif", pixels)
    again = write_image(tmp_path / "2026.tif", pixels, compress="lzw")  # re-encoded, same pixels
    dup = review_two(first, again, tmp_path)["duplicate"]
    earlier = json.loads((tmp_path / "a" / "review.json").read_text("utf-8"))
    assert {c["id"]: c["status"] for c in earlier["checks"]}["duplicate"] == "PASS"
    assert dup["status"] == "FAIL" and "identical pixels" in dup["message"]
    assert dup["evidence"]["earlier_image"] == "2025.tif"
    assert dup["evidence"]["earlier_claimed_date"] == "2026-06-01"


def test_near_identical_content_is_caught(tmp_path):
    pixels = vegetated(800, 800, seed=4)
    first = write_image(tmp_path / "a.tif", pixels)
    brighter = (pixels.astype(float) * 1.01).astype("uint16")  # recompressed and slightly edited
    second = write_image(tmp_path / "b.tif", brighter)
    dup = review_two(first, second, tmp_path)["duplicate"]
    assert dup["status"] == "FAIL" and "near-identical" in dup["message"]


def test_different_images_are_not_duplicates(tmp_path):
    a = write_image(tmp_path / "a.tif", vegetated(800, 800, seed=5))
    b_pixels = vegetated(800, 800, seed=6)
    b_pixels[:, :400, :] //= 3  # a different scene: dark northern half
    b = write_image(tmp_path / "b.tif", b_pixels)
    assert review_two(a, b, tmp_path)["duplicate"]["status"] == "PASS"


def test_rgb_only_image_fails_bands(tmp_path):
    rgb = vegetated(800, 800)[[2, 1, 0]].astype("uint8")
    img = write_image(
        tmp_path / "rgb.tif",
        rgb,
        colorinterp=[ColorInterp.red, ColorInterp.green, ColorInterp.blue],
    )
    _, checks = review(img, tmp_path)
    assert checks["bands"]["status"] == "FAIL" and "RGB-only" in checks["bands"]["message"]


def test_swapped_red_and_nir_fail_bands(tmp_path):
    img = write_image(tmp_path / "img.tif", vegetated(800, 800))
    _, checks = review(img, tmp_path, "--bands", "red=4,nir=3")
    assert checks["bands"]["status"] == "FAIL" and "swapped" in checks["bands"]["message"]


def test_image_missing_half_of_the_mine(tmp_path):
    # the image ends at x = 100, the centre line of the mine's buffered square [-100, 300]:
    # by symmetry exactly half of the mine-plus-buffer is uncovered
    img = write_image(tmp_path / "half.tif", vegetated(800, 400), x0=-300.0)
    _, checks = review(img, tmp_path, "--bands", "red=3,nir=4")
    cov = checks["coverage"]
    assert cov["status"] == "FAIL"
    assert cov["evidence"]["uncovered_pct"] == pytest.approx(50.0, abs=0.2)


@pytest.mark.parametrize("how", ["south-up", "east-to-west", "rotated-90"])
def test_a_grid_stored_another_way_round_reviews_the_same(tmp_path, how):
    # an image missing half of the mine's buffered square, nodata over half of the mine's
    # covered part, stored north-up and another way round: the same findings (south-up
    # once read as wholly off the mine, the others ended in an internal error)
    data = vegetated(800, 400)
    data[:, 300:400, 300:400] = 0  # 100 × 100 m of the mine's west half
    north_up = write_image(tmp_path / "north.tif", data, x0=-300.0, nodata=0)
    turned, transform = oriented(data, -300, 500, how)
    other = write_image(tmp_path / "other.tif", turned, nodata=0, transform=transform)
    _, want = review(north_up, tmp_path, "--bands", "red=3,nir=4", out="north")
    _, got = review(other, tmp_path, "--bands", "red=3,nir=4", out="other")
    assert want["nodata_cloud"]["evidence"]["nodata_pct"] == pytest.approx(50.0, abs=0.5)
    for check in ("coverage", "nodata_cloud", "resolution"):
        assert got[check]["status"] == want[check]["status"], got[check]
        assert got[check]["evidence"] == pytest.approx(want[check]["evidence"], abs=0.05)


def test_nodata_inside_the_mine(tmp_path):
    data = vegetated(800, 800)
    data[:, 300:400, 300:500] = 0  # 100 × 200 m of the 200 × 200 m mine: 50 %
    img = write_image(tmp_path / "holes.tif", data, nodata=0)
    _, checks = review(img, tmp_path, "--bands", "red=3,nir=4")
    nc = checks["nodata_cloud"]
    assert nc["status"] == "FAIL" and nc["evidence"]["nodata_pct"] == pytest.approx(50.0, abs=0.5)


def test_image_without_crs(tmp_path):
    img = write_image(tmp_path / "nocrs.tif", vegetated(800, 800), crs=None)
    result, checks = review(img, tmp_path, "--bands", "red=3,nir=4")
    assert checks["crs"]["status"] == "FAIL" and checks["coverage"]["status"] == "FAIL"
    assert result["overall"] == "FAIL"


def test_dates(tmp_path):
    img = write_image(
        tmp_path / "img.tif", vegetated(800, 800), tags={"TIFFTAG_DATETIME": "2019:07:01 10:00:00"}
    )
    _, checks = review(img, tmp_path, "--bands", "red=3,nir=4", "--acquired", "2026-07-01")
    assert checks["date"]["status"] == "FAIL" and "re-dated" in checks["date"]["message"]
    plain = write_image(tmp_path / "plain.tif", vegetated(800, 800))
    _, checks = review(plain, tmp_path, "--bands", "red=3,nir=4", out="b")
    assert checks["date"]["status"] == "WARN"
    _, checks = review(
        plain, tmp_path, "--bands", "red=3,nir=4", "--acquired", "2026-01-15", out="c"
    )
    assert checks["date"]["status"] == "FAIL" and "growing season" in checks["date"]["message"]


def test_green_paint_is_flagged(tmp_path):
    data = vegetated(800, 800)
    # painted green: green brightest in RGB, but NIR no brighter than red
    data[:, 300:500, 300:500] = np.array([200, 900, 400, 420], dtype="uint16")[:, None, None]
    img = write_image(tmp_path / "paint.tif", data)
    _, checks = review(img, tmp_path, "--bands", "red=3,nir=4,green=2,blue=1")
    assert checks["spectral_consistency"]["status"] == "WARN"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--mine-id", "NOPE"], "is not in"),
        (["--bands", "red=x"], "--bands"),
        (["--acquired", "July"], "YYYY-MM-DD"),
    ],
)
def test_misuse_is_one_line_and_nonzero(tmp_path, args, needle):
    img = write_image(tmp_path / "img.tif", vegetated(100, 100))
    base = {
        "--mines": mines_file(tmp_path),
        "--id-field": "mine_id",
        "--mine-id": "M1",
        "--out": str(tmp_path / "o"),
    }
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    r = greenmine("review-imagery", str(img), *[x for kv in base.items() for x in kv])
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and needle in r.stderr, (
        r.stderr
    )


def test_missing_image_is_misuse(tmp_path):
    r = greenmine(
        "review-imagery",
        str(tmp_path / "nope.tif"),
        "--mines",
        mines_file(tmp_path),
        "--id-field",
        "mine_id",
        "--mine-id",
        "M1",
        "--out",
        str(tmp_path / "o"),
    )
    assert r.returncode == 2 and "does not exist" in r.stderr


def test_only_the_hardened_module_imports_rasterio():
    # so GDAL is always configured before rasterio registers its drivers
    pkg = Path(__file__).resolve().parents[1] / "greenmine_geo"
    importers = sorted(
        p.relative_to(pkg).as_posix()
        for p in pkg.rglob("*.py")
        if re.search(r"^\s*(import rasterio|from rasterio)", p.read_text("utf-8"), re.M)
    )
    assert importers == ["io/gdal.py"]


def test_mines_as_shapefile_keep_their_prj_next_to_the_hardened_opener(tmp_path):
    # the opener's sidecar rules apply to submitted rasters only, not to the mines' .prj
    from conftest import gk_box, layer, write

    shp = write(layer([gk_box(0, 0, 200, 200)], mine_id=["M1"]), tmp_path / "mines.shp")
    img = write_image(tmp_path / "img.tif", vegetated(800, 800))
    r = greenmine(
        "review-imagery",
        str(img),
        "--mines",
        shp,
        "--id-field",
        "mine_id",
        "--mine-id",
        "M1",
        "--bands",
        "red=3,nir=4",
        *WINDOW,
        "--out",
        str(tmp_path / "o"),
    )
    assert r.returncode == 0, r.stderr
    checks = {
        c["id"]: c for c in json.loads((tmp_path / "o" / "review.json").read_text())["checks"]
    }
    assert checks["coverage"]["status"] == "PASS"


def test_without_a_registry_duplicates_are_not_claimed_checked(tmp_path):
    img = write_image(tmp_path / "img.tif", vegetated(800, 800))
    _, checks = review(img, tmp_path, "--bands", "red=3,nir=4")
    assert (
        checks["duplicate"]["status"] == "WARN" and "--registry" in checks["duplicate"]["message"]
    )


def test_cloud_over_the_mine(tmp_path):
    data = vegetated(800, 800)
    # a bright, flat cloud over image rows 140-360, i.e. y = 140…360 m; the mine spans rows
    # 300-500 (y = 0…200 m), so the cloud covers its northern 60 m: 60 / 200 = 30 % of it
    data[:, 140:360, :] = 3900
    img = write_image(tmp_path / "cloud.tif", data)
    _, checks = review(img, tmp_path, "--bands", "red=3,nir=4")
    nc = checks["nodata_cloud"]
    assert nc["status"] == "FAIL", nc
    assert nc["evidence"]["cloud_snow_like_pct"] == pytest.approx(30.0, abs=1.0)


def test_a_decoder_past_its_time_limit_is_a_format_finding(tmp_path):
    from greenmine_geo.io.isolation import IsolationLimits
    from greenmine_geo.steps import review as step
    from greenmine_geo.steps.skeleton import StepContext

    img = write_image(tmp_path / "img.tif", vegetated(800, 800))
    params = review_params(img, Path(mines_file(tmp_path)))
    outcome = step.run(
        params, StepContext(tmp_path / "o"), isolation=IsolationLimits(wall_seconds=0.001)
    )
    first = outcome.checks[0]
    assert (first.id, first.status) == ("format", "FAIL") and "longer than" in first.message
    assert [c.id for c in outcome.checks] == IDS and outcome.overall == "FAIL"
