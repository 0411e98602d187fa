"""The static site in a real headless Chromium, served by a real http.server on 127.0.0.1;
and a crawl of every internal link from the landing page."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import struct
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, unquote, urldefrag, urljoin, urlsplit

import pytest

from kzgraph.release import build

CHROMIUM = "/usr/bin/chromium"
BUNDLE = Path(__file__).parent / "fixtures" / "release" / "bundle"
ARTIFACTS = Path(__file__).parent / "_artifacts"
TITLE = "kzgraph: diaspora engagement knowledge graph"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM),
                       reason=f"headless Chromium not installed at {CHROMIUM} "
                              "(apt-get install chromium; CI installs it)"),
]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a fresh fixture build, served from 127.0.0.1 on a free port."""
    saved = {k: os.environ.pop(k) for k in ("KZGRAPH_SPARQL_ENDPOINT", "KZGRAPH_DOWNLOAD_BASE")
             if k in os.environ}
    try:
        out = build(tmp_path_factory.mktemp("site") / "dist", root=BUNDLE)
    finally:
        os.environ.update(saved)
    handler = functools.partial(_QuietHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    profile = tmp_path / "chromium-profile"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", f"--user-data-dir={profile}", "--hide-scrollbars", *args]
    res = subprocess.run(cmd, capture_output=True, timeout=180)
    shutil.rmtree(profile, ignore_errors=True)
    return res


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_landing_page_renders(served: str, tmp_path: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "landing.png"
    shot.unlink(missing_ok=True)
    res = chromium(tmp_path, "--window-size=1280,2200", f"--screenshot={shot}",
                   served + "site/index.html")
    assert shot.is_file(), res.stderr.decode(errors="replace")[-2000:]
    data = shot.read_bytes()
    assert png_size(data) == (1280, 2200)
    assert len(data) > 30_000  # a blank page compresses to a few kB


def test_resource_page_renders(served: str, tmp_path: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "resource.png"
    shot.unlink(missing_ok=True)
    chromium(tmp_path, "--window-size=1280,1400", f"--screenshot={shot}",
             served + "site/id/country/kazakhstan.html")
    assert shot.is_file() and len(shot.read_bytes()) > 20_000


def test_rendered_dom_has_title_and_chart(served: str, tmp_path: Path) -> None:
    res = chromium(tmp_path, "--dump-dom", served + "site/index.html")
    dom = res.stdout.decode("utf-8")
    assert "<title>Diaspora engagement knowledge graph · kzgraph</title>" in dom
    assert TITLE in dom
    assert dom.count('class="bar"') == 3
    for country in ("Russia", "Germany", "Ukraine"):
        assert f">{country}<" in dom
    assert "2,559,711" in dom


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("href", "src") and tag in ("a", "link", "img", "script"):
                self.links.append(value)
            if name in ("id", "name"):
                self.ids.add(value)


def _fetch(url: str) -> tuple[int, bytes, str]:
    parts = urlsplit(url)
    safe_url = parts._replace(path=quote(unquote(parts.path), safe="/-._~")).geturl()
    try:
        with urllib.request.urlopen(safe_url, timeout=30) as resp:
            return resp.status, resp.read(), resp.headers.get_content_type()
    except urllib.error.HTTPError as exc:
        return exc.code, b"", ""


def test_crawl_finds_no_broken_link(served: str) -> None:
    start = served + "site/index.html"
    host = urlsplit(served).netloc
    queue, seen = [start], {start}
    ids: dict[str, set[str]] = {}
    fragments: list[tuple[str, str, str]] = []
    broken: list[tuple[str, str, int]] = []
    pages = 0
    while queue:
        url = queue.pop()
        status, body, ctype = _fetch(url)
        if status != 200:
            broken.append((url, "", status))
            continue
        if ctype != "text/html":
            continue
        pages += 1
        parser = _Links()
        parser.feed(body.decode("utf-8"))
        ids[url] = parser.ids
        for link in parser.links:
            target, fragment = urldefrag(urljoin(url, link))
            if urlsplit(target).netloc != host:
                continue  # external links are plain links; nothing fetched from the web
            if fragment:
                fragments.append((url, target, unquote(fragment)))
            if target not in seen:
                seen.add(target)
                queue.append(target)
    assert broken == []
    missing = [(src, target, frag) for src, target, frag in fragments
               if target in ids and frag not in ids[target]]
    assert missing == []
    assert pages > 20
    # Everything the build wrote as a page is reachable from the landing page.
    assert served + "site/id/kz/law.html" in seen
    assert served + "site/ontology.html" in seen
    # the downloads are linked from the site's own copies (site/ may be the web root)
    assert served + "site/kzgraph.ttl" in seen and served + "site/void.ttl" in seen


def test_landing_page_lists_every_country(tmp_path: Path) -> None:
    """The bundled graph's landing page, rendered: a row per country with its factsheet,
    what the factsheet covers and its counts."""
    saved = {k: os.environ.pop(k) for k in ("KZGRAPH_SPARQL_ENDPOINT", "KZGRAPH_DOWNLOAD_BASE",
                                            "KZGRAPH_HOME") if k in os.environ}
    try:
        out = build(tmp_path / "dist")
    finally:
        os.environ.update(saved)
    res = chromium(tmp_path, "--dump-dom", (out / "site" / "index.html").as_uri())
    dom = res.stdout.decode("utf-8")
    section = dom[dom.index('<section id="countries">'):dom.index('<section id="chart">')]
    kz = section[section.index('<tr id="country-kz">'):section.index('<tr id="country-ua">')]
    ua = section[section.index('<tr id="country-ua">'):]
    assert ">Kazakhstan<" in kz and ">Diaspora engagement mapping — Kazakhstan<" in kz
    assert ">Ukraine<" in ua and ">Diaspora engagement mapping — Ukraine<" in ua
    assert "not in the source" not in kz
    covered, missing = ua.split("not in the source:", 1)
    assert ">Facts &amp; figures<" in covered and ">Terminology<" in missing
    assert 'href="id/ua/factsheet.ttl"' in ua and 'href="id/kz/factsheet.html"' in kz
