"""Drive the real Dagster UI over a reconciled RECON_HOME in headless Chromium (`make ui-test`).

Starts `dagster-webserver` on a free loopback port over the same instance the `recon`
commands record their runs in, opens what a data engineer opens on a morning (the lineage, a
source's nights, the night's report, a check's history), saves a screenshot of each under
`$RECON_HOME/ui/`, and exits 1 on any page error or when a page does not show what it must.
Chromium is Debian's (`/usr/bin/chromium`); Playwright only drives it, never downloads one.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

CHROMIUM = os.environ.get("RECON_CHROMIUM", "/usr/bin/chromium")
TIMEOUT_MS = 60_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"ui-test: the Dagster webserver did not answer at {url} in {seconds:.0f} s")


def start_webserver(home: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "DAGSTER_HOME": str((home / "dagster").resolve())}
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "dagster-webserver"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-w",
            "workspace.yaml",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: stopped whole, whatever happens
    )


def dismiss_welcome(page: Page) -> None:
    """The UI greets a new browser with a newsletter dialog; a person would skip it."""
    skip = page.get_by_role("button", name="Skip")
    try:
        skip.wait_for(timeout=5_000)
    except PlaywrightTimeout:
        return
    skip.click()


def visit(page: Page, url: str, click: str | None, must_show: str, shot: Path) -> None:
    """Open a page (and click `click` on it), wait until it shows `must_show`, screenshot."""
    page.goto(url, wait_until="domcontentloaded", timeout=TIMEOUT_MS)
    dismiss_welcome(page)
    if click:
        page.get_by_text(click, exact=False).first.click(timeout=TIMEOUT_MS)
    page.get_by_text(must_show, exact=False).first.wait_for(timeout=TIMEOUT_MS)
    page.wait_for_timeout(1_500)  # let the graph and charts settle before the picture
    page.screenshot(path=str(shot), full_page=True)
    print(f"ui-test: {shot.name}: shows {must_show!r}")


def main() -> int:
    home = Path(os.environ.get("RECON_HOME", ".recon"))
    last_night = (date.today() - timedelta(days=1)).isoformat()
    shots = home / "ui"
    shots.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_webserver(home, port)
    errors: list[str] = []
    try:
        wait_for(f"{base}/server_info", 120)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
            )
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
            first_night = (date.today() - timedelta(days=7)).isoformat()
            pages = [
                ("/asset-groups", None, "reconciliation", "1-lineage.png"),
                ("/assets/exception_report?view=lineage", None, "matched_ledger", "2-lineage.png"),
                (
                    "/assets/storefront_orders?view=partitions",
                    None,
                    last_night,
                    "3-source-nights.png",
                ),
                (
                    f"/assets/exception_report?view=events&partition={last_night}",
                    "Show Markdown",
                    f"Reconciliation for {last_night}",
                    "4-report.png",
                ),
                # The demo's last night has breaks that need a person: the night shows it.
                (
                    "/assets/exception_report?view=checks",
                    "night_is_clean",
                    "Failed",
                    "5-checks.png",
                ),
                (
                    "/assets/matched_ledger?view=checks&checkDetail=history_is_complete",
                    "Execution history",
                    first_night,
                    "6-check-history.png",
                ),
            ]
            for path, click, must_show, name in pages:
                try:
                    visit(page, base + path, click, must_show, shots / name)
                except Exception as err:
                    page.screenshot(path=str(shots / name), full_page=True)
                    errors.append(f"{path}: did not show {must_show!r}: {err}".splitlines()[0])
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    for error in errors:
        print(f"ui-test: {error}", file=sys.stderr)
    print(f"ui-test: screenshots in {shots}")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
