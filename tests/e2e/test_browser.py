"""The dashboard in a real browser: Debian's headless Chromium driven by Playwright, with the network cut off.

The app runs as ``python3 -m streamlit run dashboard/app.py`` on a free local port. Chromium gets a proxy that
goes nowhere (only 127.0.0.1 bypasses it), so anything the page tried to load from the internet (CDNs, fonts,
tiles) would fail — and is recorded: the test asserts nothing was attempted and that the map (Leaflet inside the
streamlit-folium iframe) and the figures render. Screenshots go to ``tests/artifacts/`` (gitignored).

Skipped only when ``/usr/bin/chromium`` is missing and the ``CI`` environment variable is unset; in CI it runs.
Install: ``apt-get install -y chromium`` and ``pip install playwright`` (never ``playwright install``).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
BRODY = "UA46040010000033885"
#: The cache folder of the running app (saved networks, national figures).
SERVER_CACHE: dict = {}

# .ci/run installs Debian's chromium; on a developer machine without it this module is not collected
pytestmark = pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"),
                                reason="Debian chromium not installed (apt-get install chromium); runs in CI")

sys.path.insert(0, str(REPO_ROOT))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory, data_root):
    port = _free_port()
    cache = tmp_path_factory.mktemp("cache")
    SERVER_CACHE["path"] = cache
    env = dict(os.environ, HROMADA_ACCESS_CACHE=str(cache), HROMADA_ACCESS_DATA=str(data_root))
    log = open(tmp_path_factory.mktemp("log") / "streamlit.log", "w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard/app.py", "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while time.time() < deadline:
            if process.poll() is not None:
                log.seek(0)
                pytest.fail(f"streamlit exited: {log.read()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("streamlit did not start within 90 s")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright  # in requirements.txt
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS,
            # network off: every request not to this machine goes to a proxy that does not exist
            proxy={"server": "http://127.0.0.1:9", "bypass": "127.0.0.1,localhost"},
        )
        yield browser
        browser.close()


def expected_covered(minutes: float, km: float = 14.0) -> str:
    from analysis.metrics.access import compute_access
    from analysis.metrics.coverage import evaluate_norms
    from analysis.metrics.norms import DEFAULT_NORMS, get_norm, with_threshold
    from analysis.metrics.summary import coverage_summary
    from analysis.sources.packs import load_demo_pack
    from dashboard.i18n import fmt_int

    bundle = load_demo_pack(BRODY)
    norm = with_threshold(get_norm(DEFAULT_NORMS, "cnap_access"), max_time_min=minutes, max_distance_km=km)
    result = compute_access(bundle.settlements, bundle.service_points, None, mode="drive", by="group")
    evaluation = evaluate_norms(result, bundle.settlements, [norm])
    return fmt_int(coverage_summary(evaluation, bundle.settlements, by_hromada=False).iloc[0]["population_covered"])


def metric_value(page, label: str):
    metric = page.get_by_test_id("stMetric").filter(has=page.get_by_text(label, exact=True)).first
    return metric.get_by_test_id("stMetricValue")


def wait_for_text(locator, text: str, timeout_s: float = 60) -> None:
    deadline = time.time() + timeout_s
    last = None
    while time.time() < deadline:
        try:
            last = locator.inner_text(timeout=2000).strip()
            if last == text:
                return
        except Exception:  # noqa: BLE001 - element re-rendered; retry
            pass
        time.sleep(0.3)
    raise AssertionError(f"expected {text!r}, last seen {last!r}")


def test_dashboard_in_a_browser_offline(server, browser):
    from dashboard.i18n import tr

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1440, "height": 1100}, locale="uk-UA")
    outside: list[str] = []
    context.on("request", lambda r: outside.append(r.url) if not re.match(r"^(https?://(127\.0\.0\.1|localhost)[:/]|data:|blob:|about:)", r.url) else None)
    page_errors: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda e: page_errors.append(str(e)))
    page.goto(server, wait_until="domcontentloaded")
    page.get_by_test_id("stMetric").first.wait_for(timeout=90_000)

    # pick the demo hromada Brody in the sidebar
    sidebar = page.get_by_test_id("stSidebar")
    box = sidebar.get_by_test_id("stSelectbox").filter(has=page.get_by_text(tr("hromada", "uk"), exact=True))
    box.click()
    page.keyboard.type("Бродівська")
    page.get_by_role("option", name=re.compile("Бродівська")).first.click()
    page.get_by_role("heading", name=re.compile("Бродівська")).first.wait_for(timeout=60_000)
    covered = metric_value(page, tr("kpi_covered", "uk"))
    wait_for_text(covered, expected_covered(30))

    # tighten the ЦНАП time norm from 30 to 10 min with the keyboard (slider step 5)
    slider = sidebar.get_by_role("slider").first
    slider.focus()
    for _ in range(4):
        page.keyboard.press("ArrowLeft")
        time.sleep(0.15)
    wait_for_text(covered, expected_covered(10))
    page.screenshot(path=str(ARTIFACTS / "overview_uk.png"), full_page=True)

    # the access map: Leaflet renders inside the streamlit-folium iframe without internet
    page.get_by_test_id("stSidebarNav").get_by_text(tr("page_coverage", "uk"), exact=True).click()
    frame_element = page.locator("iframe[title='streamlit_folium.st_folium']").first
    frame_element.wait_for(state="attached", timeout=60_000)
    frame = frame_element.content_frame
    frame.locator(".leaflet-container").wait_for(timeout=60_000)
    # settlements and boundary are drawn on a canvas (prefer_canvas), the ЦНАП points are div markers
    frame.locator(".leaflet-overlay-pane canvas").first.wait_for(state="attached", timeout=60_000)
    frame.locator(".leaflet-marker-icon").first.wait_for(state="attached", timeout=60_000)
    assert frame.locator(".leaflet-marker-icon").count() == 11  # the 11 ЦНАП points of Brody
    assert frame.get_by_text("Час до найближчого", exact=False).count() >= 1  # the legend
    assert frame_element.bounding_box()["height"] > 400
    time.sleep(1.0)
    page.screenshot(path=str(ARTIFACTS / "coverage_map_uk.png"), full_page=True)

    # switch the language: labels change, figures stay
    sidebar.get_by_text("English", exact=True).click()
    page.get_by_role("heading", name=re.compile(tr("page_coverage", "en"))).first.wait_for(timeout=60_000)
    frame_element = page.locator("iframe[title='streamlit_folium.st_folium']").first
    frame_element.content_frame.locator(".leaflet-container").wait_for(timeout=60_000)
    assert sidebar.get_by_role("radio", name=tr("mode_drive", "en")).is_checked()  # choices survive the switch
    time.sleep(1.0)
    page.screenshot(path=str(ARTIFACTS / "coverage_map_en.png"), full_page=True)
    page.get_by_test_id("stSidebarNav").get_by_text(tr("page_overview", "en"), exact=True).click()
    wait_for_text(metric_value(page, tr("kpi_covered", "en")), expected_covered(10))
    page.screenshot(path=str(ARTIFACTS / "overview_en.png"), full_page=True)

    # planning: a click on the map adds a new point to the scenario
    page.get_by_test_id("stSidebarNav").get_by_text(tr("page_planning", "en"), exact=True).click()
    page.get_by_text(tr("plan_added", "en", n=0)).wait_for(timeout=60_000)
    frame_element = page.locator("iframe[title='streamlit_folium.st_folium']").first
    frame_element.content_frame.locator(".leaflet-marker-icon").first.wait_for(state="attached", timeout=60_000)
    frame_element.scroll_into_view_if_needed()
    time.sleep(1.0)
    box = frame_element.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.3)
    page.get_by_text(tr("plan_added", "en", n=1)).wait_for(timeout=60_000)
    frame_element = page.locator("iframe[title='streamlit_folium.st_folium']").first
    frame_element.content_frame.get_by_text("+1", exact=True).wait_for(timeout=60_000)
    time.sleep(1.0)
    page.screenshot(path=str(ARTIFACTS / "planning_click_en.png"), full_page=True)

    assert not page_errors, page_errors
    assert not outside, f"the page tried to reach the internet: {outside}"
    context.close()


def test_file_uploaders_speak_the_page_language(server, browser):
    """Streamlit draws its uploader's "Upload" / "200MB per file" in English; the dashboard's CSS writes the
    catalog's texts over them (dashboard.app.uploader_css): what a reader sees is the computed ::after content."""
    from dashboard.i18n import tr

    context = browser.new_context(viewport={"width": 1440, "height": 1100}, locale="uk-UA")
    page = context.new_page()
    page.goto(f"{server}/data", wait_until="domcontentloaded")
    page.get_by_test_id("stFileUploaderDropzoneInstructions").first.wait_for(state="attached", timeout=90_000)
    seen = page.evaluate("""() => {
        const button = document.querySelector('[data-testid="stFileUploaderDropzone"] button '
                                              + '[data-testid="stMarkdownContainer"] p');
        const hint = document.querySelector('[data-testid="stFileUploaderDropzoneInstructions"] span');
        const after = (el) => getComputedStyle(el, '::after').content;
        return {button: after(button), hint: after(hint), hidden: getComputedStyle(button).fontSize};
    }""")
    context.close()
    assert seen == {"button": f'"{tr("uploader_button", "uk")}"', "hint": f'"{tr("uploader_drop", "uk")}"',
                    "hidden": "0px"}


def test_ukraine_page_draws_the_national_map(server, browser, monkeypatch):
    """The donors' national page in a real browser: a choropleth of the hromadas (from national figures computed
    here for a sample into the app's cache folder), drawn offline."""
    from analysis.metrics.norms import DEFAULT_NORMS, get_norm
    from analysis.outputs import write_geopackage
    from analysis.reporting.national import national_view
    from dashboard.i18n import tr

    monkeypatch.setenv("HROMADA_ACCESS_CACHE", str(SERVER_CACHE["path"]))
    from dashboard.views.ukraine import national_file

    norm = get_norm(DEFAULT_NORMS, "cnap_access")
    view = national_view(codes=["UA05060010000053179", BRODY, "UA26080030000014307"], norm=norm)
    path = national_file({"norm": norm, "mode": "drive", "circuity": 1.3})
    write_geopackage({k: v for k, v in view.layers().items() if k != "errors"}, path)

    context = browser.new_context(viewport={"width": 1440, "height": 1100}, locale="uk-UA")
    page = context.new_page()
    page.goto(f"{server}/ukraine", wait_until="domcontentloaded")
    wait_for_text(metric_value(page, tr("ua_n_hromadas", "uk")), "3", timeout_s=90)
    frame_element = page.locator("iframe[title='streamlit_folium.st_folium']").first
    frame_element.wait_for(state="attached", timeout=60_000)
    frame = frame_element.content_frame
    frame.locator(".leaflet-container").wait_for(timeout=60_000)
    frame.locator(".leaflet-overlay-pane canvas, .leaflet-overlay-pane svg").first.wait_for(state="attached",
                                                                                           timeout=60_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ukraine_uk.png"), full_page=True)
    context.close()
