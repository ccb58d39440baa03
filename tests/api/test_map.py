"""The map page in headless Chromium: routes drawn on the map, and a screenshot of them.

Uses Debian's Chromium (``/usr/bin/chromium``) driven by Playwright; skipped where either
is missing. The page loads only files the API serves (Leaflet is bundled), so it runs with
the network closed.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.api.conftest import Live

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# the palette of map.js: the first shifts' route colours
ROUTE_COLOURS = [(0x1F, 0x77, 0xB4), (0xD6, 0x27, 0x28), (0x2C, 0xA0, 0x2C), (0x94, 0x67, 0xBD)]


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium at /usr/bin/chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=FLAGS,
            viewport={"width": 1200, "height": 800},
        )
        try:
            yield context
        finally:
            context.close()


def _open(browser: Any, live: Live, job: str, who: str) -> tuple[Any, list[str]]:
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    key = live.keys.header(who)["X-API-Key"]
    page.goto(f"{live.url}/map?job={job}#key={key}")
    page.wait_for_selector("body[data-ready='1']", timeout=20_000)
    return page, errors


def _route_pixels(png: Path) -> int:
    """Pixels of the picture in (nearly) a route colour."""
    image = pytest.importorskip("PIL.Image")
    with image.open(png) as shot:
        rgb = np.asarray(shot.convert("RGB"), dtype=np.int64)
    colours = np.array(ROUTE_COLOURS, dtype=np.int64)
    distance = np.abs(rgb[:, :, None, :] - colours[None, None, :, :]).sum(axis=3)
    return int((distance.min(axis=2) < 40).sum())


def test_the_map_shows_the_routes(browser: Any, live: Live, done_job: str, tmp_path: Path):
    page, errors = _open(browser, live, done_job, "coordinator")
    routes = int(page.get_attribute("body", "data-routes") or 0)
    assert routes >= 2
    drawn = page.locator(".leaflet-overlay-pane path").count()
    assert drawn >= routes  # route lines plus stop markers
    assert page.locator("#legend li").count() == routes
    assert page.locator("#comparison tr").count() == 1 + 3 + 1  # header, providers, total
    assert "#key=" not in page.url  # the key does not stay in the address bar
    shot = tmp_path / "map.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    assert _route_pixels(shot) > 500  # coloured route lines are on the picture
    page.locator("input[value='solo']").check()
    assert page.locator("#legend li").count() >= 1
    assert errors == []
    page.close()


def test_a_provider_map_shows_its_own_routes(
    browser: Any, live: Live, done_job: str, tmp_path: Path
):
    page, errors = _open(browser, live, done_job, "Zorggroep A")
    assert "Zorggroep A" in page.inner_text("#status")
    assert page.locator("#comparison tr").count() == 3  # header, own ledger, all providers
    legend = page.inner_text("#legend")
    assert "Zorggroep B" not in legend and "Zorggroep C" not in legend
    page.screenshot(path=str(tmp_path / "map-provider.png"))
    assert errors == []
    page.close()


def test_a_wrong_key_shows_an_error(browser: Any, live: Live, done_job: str):
    page = browser.new_page()
    page.goto(f"{live.url}/map?job={done_job}#key=zr_wrong")
    page.wait_for_selector("body[data-ready='error']", timeout=20_000)
    assert "unknown or revoked API key" in page.inner_text("#status")
    assert page.locator(".leaflet-overlay-pane path").count() == 0
    page.close()
