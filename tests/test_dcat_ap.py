"""The release's void.ttl against the SEMIC DCAT-AP 3.0.1 SHACL shapes, as a catalogue would
check it: the mandatory shapes (shapes.ttl), the class ranges (range.ttl), the recommended
properties (shapes_recommended.ttl) and the deprecated terms (deprecateduris.ttl), from
../shared/standards/dcat-ap-3.0.1/ beside the project.

No violation is left. The only warnings left are recommended properties the project has no
true value for; each is named, with the reason, in docs/release-metadata.md, and the test
holds the set of them exactly (a new warning, or a gap closed without the docs, fails).
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STANDARD = ROOT.parent / "shared" / "standards" / "dcat-ap-3.0.1"
SHAPE_FILES = ("shapes.ttl", "range.ttl", "shapes_recommended.ttl", "deprecateduris.ttl")
KZVOID = "https://w3id.org/kzgraph/void#"

#: (what the warning is about, the recommended property) -> why it stays open
OPEN = {
    ("dataset", "dcat:contactPoint"): "no contact channel is published",
    ("distribution", "dcatap:availability"): "no commitment on how long files stay",
    ("agent", "dcterms:type"): "the kind of the publishing group is not known",
    ("location", "dcat:bbox"): "no coordinates in the data",
    ("location", "dcat:centroid"): "no coordinates in the data",
    ("ontology", "dcterms:spatial"): "the ontology is about no place",
    ("ontology", "dcterms:temporal"): "the ontology is about no period",
    ("shapes", "dcterms:spatial"): "the shapes are about no place",
    ("shapes", "dcterms:temporal"): "the shapes are about no period",
    ("country subset", "dcat:contactPoint"): "no contact channel is published",
    ("country subset", "dcat:distribution"): "a country's triples are in the whole graph's files",
}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory):
    missing = [f for f in SHAPE_FILES if not (STANDARD / f).is_file()]
    if missing:
        pytest.skip(f"DCAT-AP 3.0.1 shapes missing from ../shared/standards/: {missing}")
    import pyshacl
    import rdflib

    from kzgraph.release import build

    out = build(tmp_path_factory.mktemp("dcat") / "dist")
    data = rdflib.Graph().parse(out / "void.ttl")
    shapes = rdflib.Graph()
    for name in SHAPE_FILES:
        shapes.parse(STANDARD / name)
    _conforms, graph, _text = pyshacl.validate(data, shacl_graph=shapes, inference="none")
    return data, graph


def _kind(data, focus) -> str:
    from rdflib import RDF, URIRef

    types = {str(t) for t in data.objects(focus, RDF.type)}
    for kind, cls in (("dataset", "http://www.w3.org/ns/dcat#Dataset"),
                      ("distribution", "http://www.w3.org/ns/dcat#Distribution"),
                      ("agent", "http://xmlns.com/foaf/0.1/Agent"),
                      ("location", "http://purl.org/dc/terms/Location")):
        if cls in types:
            return kind
    return f"<{focus}>" if isinstance(focus, URIRef) else "a blank node"


def _results(data, graph, severity: str) -> dict[tuple[str, str], list[str]]:
    from rdflib.namespace import SH

    found: dict[tuple[str, str], list[str]] = {}
    for result in graph.objects(None, SH.result):
        if graph.value(result, SH.resultSeverity) != SH[severity]:
            continue
        focus = graph.value(result, SH.focusNode)
        path = data.namespace_manager.normalizeUri(graph.value(result, SH.resultPath))
        path = path.replace("<http://data.europa.eu/r5r/", "dcatap:")
        path = path.rstrip(">")
        kind = _kind(data, focus)
        if kind == "dataset" and str(focus).startswith(KZVOID + "country-"):
            kind = "country subset"
        elif kind == "dataset" and path in ("dcterms:spatial", "dcterms:temporal"):
            kind = str(focus).removeprefix(KZVOID)  # which dataset has no coverage
        found.setdefault((kind, path), []).append(
            f"{focus}: {graph.value(result, SH.resultMessage)}")
    return found


def test_no_violation(report) -> None:
    data, graph = report
    violations = _results(data, graph, "Violation")
    assert not violations, "\n".join(m for ms in violations.values() for m in ms)


def test_only_the_documented_warnings_are_left(report) -> None:
    data, graph = report
    warnings = _results(data, graph, "Warning")
    unexpected = {k: v for k, v in warnings.items() if k not in OPEN}
    assert not unexpected, "\n".join(m for ms in unexpected.values() for m in ms)
    closed = set(OPEN) - set(warnings)
    assert not closed, f"no longer open, update OPEN and docs/release-metadata.md: {closed}"


def test_docs_name_every_open_property() -> None:
    text = (ROOT / "docs" / "release-metadata.md").read_text(encoding="utf-8")
    for prop in {prop for _what, prop in OPEN}:
        assert f"`{prop}`" in text, prop


def test_coverage_comes_from_the_data(report) -> None:
    from rdflib import URIRef

    data, _graph = report
    dct, dcat = "http://purl.org/dc/terms/", "http://www.w3.org/ns/dcat#"
    main = URIRef(KZVOID + "kzgraph")
    # the countries of the factsheets, not their destinations
    assert {str(o) for o in data.objects(main, URIRef(dct + "spatial"))} == {
        "https://w3id.org/kzgraph/id/country/kazakhstan",
        "http://publications.europa.eu/resource/authority/country/KAZ",
        "https://w3id.org/kzgraph/id/country/ukraine",
        "http://publications.europa.eu/resource/authority/country/UKR"}
    period = data.value(main, URIRef(dct + "temporal"))
    start = int(str(data.value(period, URIRef(dcat + "startDate"))))
    end = int(str(data.value(period, URIRef(dcat + "endDate"))))
    # the first year the data dates: Germany and Italy joined the EU (its founding members) in
    # 1958; the last: the Concept of Foreign Policy 2020–2030 ends
    assert (start, end) == (1958, 2030)
    # no contact point is made up
    assert data.value(main, URIRef(dcat + "contactPoint")) is None
