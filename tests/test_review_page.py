"""The reviewer's page: the quick-look (full resolution, never the stored overviews), the
mine's boundary on it, the checklist in words, the signature fields, the CLI's lines."""

from __future__ import annotations

import numpy as np
import rasterio
from PIL import Image

from greenmine_geo.imagery.quicklook import decimated_rgb
from greenmine_geo.io.untrusted import open_untrusted

from conftest import greenmine
from rasters import mines_file, vegetated, write_image


def test_quicklook_is_read_from_the_pixels_not_from_stale_overviews(tmp_path):
    path = write_image(tmp_path / "a.tif", vegetated(800, 600), overviews=[2, 4], nodata=0)
    changed = np.full((4, 800, 600), 100, "uint16")
    changed[:, :, 300:] = 3000  # dark west, bright east: the overviews still show grass
    changed[:, :100, :] = 0  # nodata along the north
    with rasterio.open(path, "r+") as ds:
        ds.write(changed)
    with open_untrusted(path) as raster:
        rgb, transform = decimated_rgb(raster, {"red": 3, "green": 2, "blue": 1})
    assert rgb.shape == (400, 300, 3) and transform.a == 2 and transform.e == -2
    assert (rgb[:50] == 255).all()  # nodata is white
    assert (rgb[50:, :150] == 0).all() and (rgb[50:, 150:] == 255).all()


def _is_boundary_red(pixels: np.ndarray) -> bool:
    return bool((np.abs(pixels.astype(int) - (211, 47, 47)).max(axis=-1) <= 12).any())


def test_review_page_and_cli_in_words(tmp_path):
    img = write_image(tmp_path / "ok.tif", vegetated(800, 800))
    args = ["--bands", "red=3,nir=4,green=2,blue=1", "--acquired", "2026-07-15"]
    r = greenmine(
        "review-imagery",
        str(img),
        *("--mines", mines_file(tmp_path), "--id-field", "mine_id", "--mine-id", "M1"),
        *("--review-from", "2026-01-01", "--review-to", "2026-12-31", *args),
        *("--out", str(tmp_path / "out")),
    )
    assert r.returncode == 0, r.stderr
    assert "警告 WARN：重复提交 duplicate" in r.stdout and "FAIL：" not in r.stdout
    page = (tmp_path / "out" / "review.html").read_text("utf-8")
    for words in (
        "遥感影像审查表",
        "重复提交",
        "未比对",
        "分辨率（东西） 1.00 m",
        "审查人",
        "日期",
    ):
        assert words in page, words
    checklist = page.split("<table>")[1].split("</table>")[0]
    assert 'src="quicklook.png"' in page and "{" not in checklist  # words, not JSON
    # the image spans 800 m from (-300, 500); the mine [0, 200]² is columns and rows
    # 300-500 of it; the picture is 500 pixels wide: 0.625 picture pixels per metre
    picture = np.asarray(Image.open(tmp_path / "out" / "quicklook.png").convert("RGB"))
    assert picture.shape[:2] == (500, 500)
    west, middle = 300 * 0.625, 400 * 0.625
    assert _is_boundary_red(picture[240:260, round(west) - 3 : round(west) + 4])
    assert not _is_boundary_red(picture[240:260, round(middle) - 3 : round(middle) + 4])
