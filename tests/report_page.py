"""Open the round report (processed/report.html) in headless Chromium: the page must log no console
error, throw nothing, ask for nothing outside itself (it is self-contained), and show every
section; a full-page screenshot is taken and must be a real picture.

Usage: python3 tests/report_page.py <round folder> <screenshot.png>; prints "report ok".
Chromium: /usr/bin/chromium (Debian's package), or the path in $CHROMIUM.
"""
import json
import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROUND = Path(sys.argv[1]).resolve()
SHOT = Path(sys.argv[2])
PAGE = ROUND / "processed" / "report.html"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
failures = []
if not Path(CHROMIUM).exists():
    sys.exit(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium) or set CHROMIUM")

with sync_playwright() as p:
    browser = p.chromium.launch(
        executable_path=CHROMIUM,
        # As root in a sandboxed machine without network: no sandbox, no background connections.
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--no-first-run"],
    )
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.on("console", lambda m: m.type in ("error", "warning") and failures.append(f"console {m.type}: {m.text}"))
    page.on("pageerror", lambda e: failures.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: failures.append(f"request failed: {r.url}"))
    page.on("request", lambda r: r.url.startswith(("file:", "data:"))
            or failures.append(f"request outside the page: {r.url}"))
    page.goto(PAGE.as_uri(), wait_until="load")
    for section in ["sources", "coverage", "validation", "tables", "charts"]:
        if page.locator(f"#{section}").count() != 1:
            failures.append(f"no section #{section}")
    indicators = page.locator("table.matrix tr").count() - 1
    figures = page.locator("figure svg").count()
    tables = page.locator("h2#tables ~ h3").count()
    # What the run wrote, from its log (charts/ may hold an earlier release's files too).
    written = json.loads((ROUND / "processed" / "run_log.json").read_text())["files"]
    charts = sum(f.endswith(".svg") for f in written)
    # annual_tables.xlsx holds the same tables once more (a contents sheet and Table 1, 2, ...).
    expected_tables = sum(f.endswith(".xlsx") and not f.endswith("annual_tables.xlsx") for f in written)
    if indicators < 50:
        failures.append(f"coverage matrix has {indicators} indicator rows")
    if figures != charts:
        failures.append(f"{figures} charts in the page, {charts} in charts/")
    if tables != expected_tables:
        failures.append(f"{tables} annual tables in the page, {expected_tables} written")
    # Every inline chart is drawn with a size (an SVG that failed to parse has none).
    sizes = page.eval_on_selector_all("figure svg", "els => els.map(e => e.getBoundingClientRect().height)")
    if not sizes or min(sizes) < 300:
        failures.append(f"chart heights {sizes[:5]}...")
    page.screenshot(path=str(SHOT), full_page=True)
    height = page.evaluate("document.body.scrollHeight")
    browser.close()

data = SHOT.read_bytes()
if data[:8] != b"\x89PNG\r\n\x1a\n" or len(data) < 200_000:
    failures.append(f"screenshot {SHOT}: {len(data)} bytes")
if height < 5000:
    failures.append(f"page only {height} px tall")
if failures:
    print("\n".join(failures))
    sys.exit(1)
print(f"report ok: {figures} charts, {tables} tables, {indicators} indicators, page {height} px, "
      f"screenshot {len(data)} bytes")
