"""Content negotiation of the release on a real Apache 2.4, with the release's own .htaccess.

One build of the bundled graph (``kzgraph build``) is served by an apache2 the tests start
(tests/apache.py): the web root holds the release folder under /release/ and, under
/kzgraph/, the w3id.org recipe the .htaccess documents (HOST/PATH pointing at /release), so
that the permanent IRIs are followed as w3id would redirect them; a second port serves
site/ itself as the web root.

Every IRI path of the graph and of the shapes answers each representation for its media type
(the very bytes of the file beside the page), q-values are honoured, a concept scheme's IRI
is not slash-redirected, a path below a resource and the ontology's version IRI are 404, and
the landing page's links work from either root.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import quote, unquote, urljoin

import pytest

import apache

BASE = "https://w3id.org/kzgraph/"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


class Served:
    def __init__(self, out: Path, root: str, site_root: str) -> None:
        self.out = out
        self.site = out / "site"
        self.root = root  # web root: /release/ = the release folder, /kzgraph/ = w3id recipe
        self.site_root = site_root  # site/ as the web root

    def site_url(self, path: str) -> str:
        return f"{self.root}/release/site/{quote(path)}"


def _w3id_recipe(htaccess: str, target: str) -> str:
    """The w3id.org rules written as comments in the site's .htaccess, for ``target``."""
    lines = htaccess.splitlines()
    start = lines.index("#   Options +FollowSymLinks")
    recipe = []
    for line in lines[start:]:
        if not line.startswith("#   "):
            break
        recipe.append(line[4:])
    return "\n".join(recipe).replace("https://HOST/PATH", target) + "\n"


@pytest.fixture(scope="module")
def served():
    apache.require()
    from kzgraph.release import build

    work = apache.readable_work_dir()
    server = apache.Apache(work)
    try:
        www = work / "www"
        www.mkdir()
        out = build(www / "release")
        root = server.serve(www)
        site_root = server.serve(out / "site")
        w3id = www / "kzgraph"
        w3id.mkdir()
        recipe = _w3id_recipe((out / "site" / ".htaccess").read_text("utf-8"),
                              f"{root}/release")
        (w3id / ".htaccess").write_text(recipe, encoding="utf-8")
        for path in [work, *work.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        server.start()
        yield Served(out, root, site_root)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


def _iri_paths(out: Path) -> set[str]:
    """The paths (fragment cut) of every IRI under BASE in the graph and in the shapes."""
    import pyoxigraph as ox

    paths = set()
    for name in ("kzgraph.nt", "shapes.nt"):
        for t in ox.parse(path=str(out / name), format=ox.RdfFormat.N_TRIPLES):
            for term in (t.subject, t.predicate, t.object):
                if isinstance(term, ox.NamedNode) and term.value.startswith(BASE):
                    paths.add(term.value[len(BASE):].split("#", 1)[0])
    return paths


def _version_paths(out: Path) -> set[str]:
    import pyoxigraph as ox

    version = ox.NamedNode("http://www.w3.org/2002/07/owl#versionIRI")
    return {t.object.value[len(BASE):]
            for t in ox.parse(path=str(out / "ontology.nt"), format=ox.RdfFormat.N_TRIPLES)
            if t.predicate == version and t.object.value.startswith(BASE)}


def _negotiated():
    from kzgraph.release.conneg import NEGOTIATED

    return [(ext, media) for ext, media, _qs in NEGOTIATED]


def test_every_iri_path_answers_every_format(served: Served) -> None:
    paths = _iri_paths(served.out) - _version_paths(served.out)
    assert len(paths) > 200 and "shapes" in paths and "ontology" in paths
    problems = []
    for path in sorted(paths):
        for ext, media in _negotiated():
            resp = apache.get(served.site_url(path), media)
            expected = (served.site / f"{path}.{ext}").read_bytes()
            if resp.status != 200 or resp.media_type != media or resp.body != expected:
                problems.append(f"{path} [{media}]: {resp.status} {resp.media_type}"
                                f"{'' if resp.body == expected else ', other bytes'}")
            elif "accept" not in resp.headers.get("vary", "").lower():
                problems.append(f"{path} [{media}]: no 'Vary: Accept'")
    assert not problems, f"{len(problems)} wrong answers:\n" + "\n".join(problems[:30])


def test_q_values_are_honoured(served: Served) -> None:
    cases = {
        "text/turtle;q=0, text/html": "text/html",
        "text/turtle;q=0.1, application/ld+json;q=0.9": "application/ld+json",
        "application/rdf+xml;q=0.5, application/n-triples": "application/n-triples",
        "*/*": "text/html",
        BROWSER: "text/html",
        "text/*": "text/html",
        "application/*": "application/ld+json",
    }
    for path in ("id/country/kazakhstan", "vocab/document-type", "ontology", "shapes"):
        for accept, media in cases.items():
            resp = apache.get(served.site_url(path), accept)
            assert (resp.status, resp.media_type) == (200, media), (path, accept)
        assert apache.get(served.site_url(path), "image/png").status == 406


def test_concept_schemes_are_not_slash_redirected(served: Served) -> None:
    schemes = [p for p in _iri_paths(served.out) if (served.site / p).is_dir()]
    assert len(schemes) >= 10 and "vocab/document-type" in schemes
    for path in schemes:
        for accept in ("text/turtle", BROWSER):
            resp = apache.get(served.site_url(path), accept)
            assert resp.status == 200, (path, accept, resp.status, resp.headers.get("location"))


def test_paths_below_a_resource_are_not_found(served: Served) -> None:
    versions = _version_paths(served.out)
    assert versions, "the ontology has no owl:versionIRI under the IRI base"
    for path in [*versions, "id/country/kazakhstan/foo", "id/country/kazakhstan/",
                 "vocab/document-type/law/x", "ontology/", "id/country/nowhere",
                 "shapes/x"]:
        for accept in ("text/turtle", BROWSER, "application/n-triples"):
            assert apache.get(served.site_url(path), accept).status == 404, (path, accept)


def test_shapes_iris_resolve_to_their_anchor(served: Served) -> None:
    import pyoxigraph as ox

    names = {t.subject.value.split("#", 1)[1]
             for t in ox.parse(path=str(served.out / "shapes.nt"),
                               format=ox.RdfFormat.N_TRIPLES)
             if isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(BASE)}
    assert "CountryShape" in names
    page = apache.get(served.site_url("shapes"), BROWSER)
    assert page.status == 200 and page.media_type == "text/html"
    anchors = set(re.findall(r'id="([^"]+)"', page.body.decode("utf-8")))
    assert names - {"shapes"} <= anchors


def test_w3id_recipe_redirects_to_the_negotiating_site(served: Served) -> None:
    # void (the developers, void#kzgraph-developers) goes to the VoID file: checked below.
    paths = sorted(_iri_paths(served.out) - _version_paths(served.out) - {"void"})
    problems = []
    for path in paths:
        for ext, media in _negotiated():
            first = apache.get(f"{served.root}/kzgraph/{quote(path)}", media)
            location = first.headers.get("location", "")
            if first.status != 303 or unquote(location) != unquote(served.site_url(path)):
                problems.append(f"{path}: {first.status} -> {location}")
                continue
            final = apache.get(location, media)
            if final.body != (served.site / f"{path}.{ext}").read_bytes():
                problems.append(f"{path} [{media}]: {final.status} {final.media_type}")
    assert not problems, "\n".join(problems[:30])
    for path in _version_paths(served.out):
        assert apache.get(f"{served.root}/kzgraph/{path}", "text/turtle").status == 404
    void = apache.get(f"{served.root}/kzgraph/void", "text/turtle")
    assert void.status == 303 and void.headers["location"] == f"{served.root}/release/void.ttl"
    assert b"kzgraph-developers" in apache.get(void.headers["location"]).body
    dump = apache.get(f"{served.root}/kzgraph/dist/kzgraph.ttl")
    assert dump.status == 302
    assert apache.get(dump.headers["location"]).body == (served.out / "kzgraph.ttl").read_bytes()
    landing = apache.get(f"{served.root}/kzgraph/", BROWSER)
    assert landing.status == 302 and landing.headers["location"].endswith("/site/index.html")


@pytest.mark.parametrize("page", ["index.html", "ontology.html", "shapes.html",
                                  "id/country/kazakhstan.html", "browse/index.html"])
def test_links_work_from_either_root(served: Served, page: str) -> None:
    html = (served.site / page).read_text("utf-8")
    hrefs = {h for h in re.findall(r'href="([^"#]+)', html) if "://" not in h}
    assert hrefs
    if page == "index.html":
        assert {"kzgraph.ttl", "void.ttl", "context.jsonld"} <= hrefs
    for base in (f"{served.root}/release/site/", f"{served.site_root}/"):
        broken = []
        for href in sorted(hrefs):
            url = urljoin(base + page, href.replace("&amp;", "&"))
            resp = apache.get(url, method="HEAD")
            if resp.status != 200:
                broken.append(f"{href} -> {url}: {resp.status}")
        assert not broken, f"{page} served from {base}:\n" + "\n".join(broken)
