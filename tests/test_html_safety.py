"""Hostile input data cannot run script in any page the package writes, and pages are stable.

One results directory made by single commands, as in test_run_results.py, and one made by
the same steps as a ``greenmine run`` pipeline, whose mine ids,
mine names, red-line feature name, zone ids, league and county names and image file name
are payloads: HTML that runs script, a script close tag, template-literal breakouts
(a backtick, ``${…}``), an attribute breakout, a newline, Jinja syntax (folium compiles
rendered scripts as Jinja templates: ``{{ 7*191 }}`` must be shown, not computed) and
matplotlib mathtext (``$…$``, which would stop the print maps and figures).
Every page written is loaded in headless Chromium from disk, every tooltip and popup of
the maps is opened from the test harness, and nothing may have run, been blocked by the
page's Content-Security-Policy, or failed; each payload is shown as it is somewhere.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
import yaml

from greenmine_geo.report.html_safety import (
    STATIC_PAGE_POLICY,
    finish_page,
    map_markup,
    map_text,
    renumber_ids,
)

import browser
from conftest import gk_box, greenmine, layer, write
from rasters import vegetated, write_image

PAYLOADS = [
    '<img src=x onerror="window.__pwned=1">',
    "</script><script>window.__pwned=1</script>",
    "`;window.__pwned=1;`",
    "${window.__pwned=1}",
    "\"'><svg onload=window.__pwned=1>",
    "first line\nsecond line",
    "{{ 7*191 }}{% if 1 %}jinja{% endif %}",
    "$\\foo{$ not mathtext",  # matplotlib's labels (print maps, figures) would parse it
]
MINE_IDS = PAYLOADS
NAMES = [f"name {p}" for p in PAYLOADS[-1:] + PAYLOADS[:-1]]  # the FAIL mine's is labelled
REDLINE_NAME = "red line </script><script>window.__pwned=1</script>"
ZONE_IDS = ["zone ${window.__pwned=1}", 'zone <img src=x onerror="window.__pwned=1">']
LEAGUE = "league \"'><svg onload=window.__pwned=1> {{ 7*191 }}"
COUNTY = "county `;window.__pwned=1;` \\` ${1}"
IMAGE_NAME = "img \"'><img src=x onerror=window.__pwned=1>.tif"

#: Run in each map from the harness (not the page): show every layer, hover and click every
#: feature and marker, and return what the tooltips, popups, layer control and legend show.
_OPEN_EVERYTHING = """
(() => {
  const values = Object.keys(window).map(k => { try { return window[k]; } catch (e) {} });
  const map = values.find(v => v instanceof L.Map);
  if (!map) return {shown: '', pwned: typeof window.__pwned, violations: ['no map drawn']};
  for (const v of values) {
    if (v instanceof L.FeatureGroup && !map.hasLayer(v)) map.addLayer(v);
  }
  const shown = [document.title];
  let popups = 0, tooltips = 0;
  map.eachLayer(leaf => {
    if (!(leaf instanceof L.Path)) return;
    const at = leaf.getLatLng ? leaf.getLatLng() : leaf.getBounds().getCenter();
    leaf.fire('mouseover', {latlng: at}, true);
    document.querySelectorAll('.leaflet-tooltip').forEach(t => { shown.push(t.innerText); tooltips++; });
    leaf.fire('mouseout', {latlng: at}, true);
    leaf.fire('click', {latlng: at}, true);
    document.querySelectorAll('.leaflet-popup-content').forEach(p => { shown.push(p.innerText); popups++; });
    map.closePopup();
  });
  shown.push(document.querySelector('.leaflet-control-layers').innerText);
  shown.push(document.querySelector('.greenmine-legend').innerText);
  return {shown: shown.join('\\n'), popups, tooltips,
          markers: document.querySelectorAll('path.greenmine-mine').length,
          pwned: typeof window.__pwned, violations: window.__violations};
})()
"""
_PAGE_STATE = (
    "({shown: [document.title, document.body.innerText].join('\\n'), pwned: typeof window.__pwned,"
    " violations: window.__violations, scripts: document.scripts.length})"
)


def _flat(text: str) -> str:
    """Whitespace collapsed: a newline in a value is shown as a space or a line break."""
    return " ".join(text.split())


def _run(*args: str) -> None:
    r = greenmine(*args, "--no-progress") if args[0] in ("check", "run") else greenmine(*args)
    assert r.returncode == 0, r.stderr


@pytest.fixture(scope="module", params=["commands", "pipeline"])
def run_dir(request, tmp_path_factory):
    """The results of every command, run one by one or as one ``greenmine run``."""
    tmp = tmp_path_factory.mktemp(f"hostile_{request.param}")
    boxes = [gk_box(300 * k, 0, 300 * k + 200, 200) for k in range(len(MINE_IDS))]
    mines = write(layer(boxes, mine_id=MINE_IDS, name=NAMES), tmp / "mines.gpkg")
    redline = write(layer([gk_box(-50, -50, 100, 100)], name=[REDLINE_NAME]), tmp / "redline.gpkg")
    admin = write(
        layer(
            [gk_box(-5_000, -5_000, 10_000, 5_000)], league_city=[LEAGUE], banner_county=[COUNTY]
        ),
        tmp / "admin.gpkg",
    )
    image = str(write_image(tmp / IMAGE_NAME, vegetated(420, 940), x0=-700, y0=800, pixel=4.0))
    zones = write(
        layer(
            [gk_box(320, 20, 420, 120), gk_box(620, 20, 720, 120)],
            zone_id=ZONE_IDS,
            mine_id=MINE_IDS[1:3],
            zone_type=["排土场", "尾矿库"],
            start_year=[2020, 2020],
        ),
        tmp / "zones.gpkg",
    )
    out = tmp / "results"
    if request.param == "pipeline":
        _run("run", str(_pipeline(tmp, mines, redline, admin, image, zones)), "--out", str(out))
        return out
    mine_args = ["--mines", mines, "--id-field", "mine_id"]
    dated = ["--image", f"2020-07-01={image}", "--image", f"2021-07-01={image}"]
    for args in (
        ["check", "prerequisite", *mine_args, "--redline", redline, "--layer", f"admin={admin}"]
        + ["--out", str(out / "prerequisite")],
        ["greening", *mine_args, "--image", image, "--out", str(out / "greening")],
        ["restoration", "--zones", zones, "--id-field", "zone_id", *dated]
        + ["--out", str(out / "restoration")],
        ["review-imagery", image, *mine_args, "--mine-id", MINE_IDS[3], "--acquired", "2025-07-15"]
        + ["--bands", "blue=1,green=2,red=3,nir=4", "--out", str(out / "review")],
    ):
        _run(*args)
    _run("maps", "--results", str(out), "--out", str(out))
    return out


def _pipeline(tmp: Path, mines: str, redline: str, admin: str, image: str, zones: str) -> Path:
    """The same four steps and the maps as one pipeline file (the payloads in it too)."""
    mine = {"mines": mines, "id_field": "mine_id"}
    steps = [
        {"step": "prerequisite", **mine, "redline": redline, "layers": {"admin": admin}},
        {"step": "greening", **mine, "image": image},
        {"step": "restoration", "zones": zones, "id_field": "zone_id"}
        | {"images": {"2020-07-01": image, "2021-07-01": image}},
        {"step": "review", "image": image, **mine, "mine_id": MINE_IDS[3]}
        | {"acquired": "2025-07-15", "bands": {"blue": 1, "green": 2, "red": 3, "nir": 4}},
        {"step": "maps"},
    ]
    path = tmp / "hostile.yaml"
    text = yaml.safe_dump({"name": "hostile", "steps": steps}, allow_unicode=True)
    path.write_text(text, "utf-8")
    return path


def _pages(run_dir: Path) -> list[Path]:
    pages = sorted(run_dir.rglob("*.html"))
    kinds = {p.relative_to(run_dir).parts[0] for p in pages}
    assert {"index.html", "maps", "reports", "review"} <= kinds, kinds
    return pages


def test_no_page_runs_injected_script_and_every_payload_is_shown(run_dir):
    shown: dict[str, str] = {}
    with browser.DevTools() as chrome:
        for page in _pages(run_dir):
            name = page.relative_to(run_dir).as_posix()
            chrome.open(page)
            state = chrome.evaluate(_PAGE_STATE)
            assert state["pwned"] == "undefined", name
            assert state["violations"] == [] and chrome.errors == [], (name, state, chrome.errors)
            if state["scripts"] == 0:
                assert "leaflet" not in page.read_text("utf-8"), name
                shown[name] = _flat(state["shown"])
                continue
            state = chrome.evaluate(_OPEN_EVERYTHING)
            assert state["pwned"] == "undefined", name
            assert state["violations"] == [] and chrome.errors == [], (name, state, chrome.errors)
            # the map drew; every marker's tooltip and popup opened
            assert state["markers"] == len(MINE_IDS) <= state["popups"], (name, state)
            assert state["tooltips"] > len(MINE_IDS), (name, state)
            shown[name] = _flat(state["shown"])
    province = shown["maps/province.html"]
    league_map = next(v for k, v in shown.items() if k.startswith("maps/league_"))
    for value in [*MINE_IDS, *NAMES, REDLINE_NAME, *ZONE_IDS, LEAGUE, COUNTY]:
        assert _flat(value) in province, value  # tooltips, popups and layers
        assert _flat(value) in league_map, value
    assert _flat(LEAGUE) in shown["index.html"] and "1337" not in province
    assert all(_flat(m) in shown["index.html"] for m in MINE_IDS)
    for mine_id, name in zip(MINE_IDS, NAMES, strict=True):
        report = next(v for k, v in shown.items() if k.startswith("reports/") and _flat(name) in v)
        assert _flat(mine_id) in report and _flat(LEAGUE) in report and _flat(COUNTY) in report
    for zone in ZONE_IDS:
        assert any(_flat(zone) in v for k, v in shown.items() if k.startswith("reports/"))
    assert any(_flat(REDLINE_NAME) in v for k, v in shown.items() if k.startswith("reports/"))
    review = shown["review/review.html"]
    assert _flat(MINE_IDS[3]) in review and _flat(IMAGE_NAME) in review


def test_every_page_has_a_policy_and_maps_run_only_their_own_nonced_scripts(run_dir):
    for page in _pages(run_dir):
        text = page.read_text("utf-8")
        policies = re.findall(
            r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', text
        )
        assert len(policies) == 1 and text.index(policies[0]) < 1024, page
        if "leaflet" not in text:
            assert policies[0] == STATIC_PAGE_POLICY and "<script" not in text, page
            continue
        nonce = re.fullmatch(r".*script-src 'nonce-([0-9a-f]{32})';.*", policies[0])
        assert nonce and "unsafe-inline" not in policies[0].split("script-src")[1].split(";")[0]
        tags = re.findall(r"<script[^>]*>", text)
        assert len(tags) == 4 and set(tags) == {f'<script nonce="{nonce.group(1)}">'}, page
        assert text.count("</script") == len(tags), page
        assert not re.search(r"[^0-9a-f][0-9a-f]{32}[^0-9a-f]", text.replace(nonce.group(1), "")), (
            page  # no random element id left
        )


def test_pages_are_byte_identical_when_drawn_again(run_dir):
    first = {p: p.read_bytes() for p in _pages(run_dir)}
    _run("maps", "--results", str(run_dir), "--out", str(run_dir))
    assert {p: p.read_bytes() for p in _pages(run_dir)} == first


def test_map_text_leaves_nothing_for_html_javascript_or_jinja():
    for payload in [*PAYLOADS, LEAGUE, COUNTY, "\\`${x}`"]:
        escaped = map_text(payload)
        assert not set(escaped) & set("<>\"'`$\\{}"), escaped
    assert map_markup("<b title='a'>`${x}` \\ {{y}}</b>") == (
        "<b title='a'>&#96;&#36;&#123;x&#125;&#96; &#92; &#123;&#123;y&#125;&#125;</b>"
    )


def test_finish_page_refuses_script_it_did_not_write_and_derives_its_nonce():
    slot = "0123456789abcdef0123456789abcdef"
    page = f'<meta content="nonce-{slot}"><script nonce="{slot}">x()</script>'
    done = finish_page(page, slot)
    nonce = hashlib.sha256(page.replace(slot, "").encode()).hexdigest()[:32]
    assert done == page.replace(slot, nonce) and finish_page(page, slot) == done
    for injected in ("<p><script>y()</script>", "<p></script>", '<SCRIPT nonce="x">'):
        with pytest.raises(ValueError, match="escaping failed"):
            finish_page(page + injected, slot)


def test_renumber_ids_touches_element_ids_only():
    ids = ["a" * 32, "b" * 32]
    sha = "c" * 64
    data = "d" * 32
    page = f"map_{ids[1]} x_{ids[0]} {sha} {data} map_{ids[1]}_styler"
    assert renumber_ids(page, ids) == f"map_0 x_1 {sha} {data} map_0_styler"
