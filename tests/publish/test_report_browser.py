"""report.html in a real headless Chromium: the totals in the rendered DOM equal the marts, the page
logs nothing to the console (no script errors, no blocked fetches), and a phone-sized screenshot
renders. Set JUESUAN_UPDATE_SCREENSHOT=1 to refresh docs/report-screenshot.png from this run."""

from __future__ import annotations

import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from tasks.publish import publish
from tests.publish.conftest import District

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium (apt-get install -y chromium)"),
]


def chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", *args],
        capture_output=True, text=True, timeout=120, check=True,
    )


def console_lines(stderr: str) -> list[str]:
    # Chromium logs every console message (errors, CSP violations) as "...:CONSOLE:<line>] ..."
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def test_rendered_totals_match_the_marts(district: District, out_root: Path, tmp_path: Path):
    pub = publish(district.con, 2024, out_root, rules_version="r", parser_version="p")
    url = (pub.path / "report.html").resolve().as_uri()
    done = chromium(tmp_path / "profile", "--dump-dom", url)
    assert console_lines(done.stderr) == []
    dom = LexborHTMLParser(done.stdout)
    rel = district.con.sql("select * from marts.district_summary where year = 2024")
    (summary,) = [dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()]
    for key in ("expenditure_total", "income_total", "basic_expenditure", "project_expenditure",
                "three_public_total", "procurement_total", "units_published"):
        node = dom.css_first(f"#total-{key}")
        assert node is not None, key
        assert Decimal(node.attributes["data-total"]) == Decimal(summary[key]), key
    assert dom.css_first("#total-expenditure_total").text(strip=True) == "4,810.97"
    assert dom.css_first("#total-units_excluded").attributes["data-total"] == "3"
    assert len(dom.css("svg")) == 3


def test_phone_screenshot(district: District, out_root: Path, tmp_path: Path):
    pub = publish(district.con, 2024, out_root, rules_version="r", parser_version="p")
    shot = tmp_path / "report.png"
    done = chromium(tmp_path / "profile", f"--screenshot={shot}", "--window-size=390,1200",
                    "--hide-scrollbars", (pub.path / "report.html").resolve().as_uri())
    assert console_lines(done.stderr) == []
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (390, 1200)
    if os.environ.get("JUESUAN_UPDATE_SCREENSHOT") == "1":
        (REPO / "docs").mkdir(exist_ok=True)
        shutil.copyfile(shot, REPO / "docs" / "report-screenshot.png")
