"""The factsheet written out: Markdown or HTML from the templates, and safely to a file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from kzgraph.errors import InputError
from kzgraph.factsheets.page import Page
from kzgraph.factsheets.runner import GraphSource, _Runner, _store_of
from kzgraph.factsheets.values import (
    FACTSHEET_FORMATS,
    GENERATOR,
    Format,
    anchor_id,
    country_iri,
    date,
)

TEMPLATES = Path(__file__).parent.parent / "templates" / "factsheet"


def _md_cell(value: Any) -> str:
    """Text for a Markdown table cell: no line breaks, pipes escaped."""
    text = "" if value is None else str(value)
    return re.sub(r"\s*[\r\n]+\s*", " ", text).replace("|", "\\|")


def _ucfirst(value: Any) -> str:
    """First letter upper-cased, the rest kept ("remittances as a share of GDP")."""
    text = "" if value is None else str(value)
    return text[:1].upper() + text[1:]


def _environment(fmt: str) -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "j2html"),
                                            default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["cell"] = _md_cell
    env.filters["ucfirst"] = _ucfirst
    env.filters["date"] = date
    env.globals["anchor_id"] = anchor_id
    env.globals["GENERATOR"] = GENERATOR
    return env


def _check_format(fmt: str) -> None:
    if fmt not in FACTSHEET_FORMATS:
        raise InputError(f"unknown factsheet format {fmt!r}; "
                         f"choose one of {', '.join(FACTSHEET_FORMATS)}")


def render(page: Page, fmt: Format = "md") -> str:
    """The page in Markdown (``md``) or HTML (``html``)."""
    _check_format(fmt)
    return _render(page, fmt)


def _render(page: Page, fmt: str) -> str:
    env = _environment(fmt)
    page.reset()
    template = env.get_template("factsheet.md.j2" if fmt == "md" else "factsheet.html")
    css = (TEMPLATES / "factsheet.css").read_text(encoding="utf-8") if fmt == "html" else ""
    text = template.render(page=page, css=css)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def factsheet(country: str | None = None, fmt: Format = "md", graph: GraphSource | None = None,
              endpoint: str | None = None, *, default_graph: str | None = None,
              timeout: float = 30.0) -> str:
    """The factsheet of ``country`` (an IRI, a prefixed name such as ``country:kazakhstan``
    or a slug such as ``kazakhstan``; default Kazakhstan) regenerated from the graph, as
    Markdown (``fmt="md"``) or a printable HTML page (``fmt="html"``).

    ``graph``: None for the bundled graph, a pyoxigraph Store or rdflib Graph, or Turtle
    files / folders to load; ``endpoint``: a SPARQL endpoint URL instead (with
    ``default_graph``, the IRI of the named graph to ask). Raises InputError (exit code 2)
    when the graph has no factsheet for the country, EndpointError when the endpoint
    fails. ``timeout``: seconds each of its queries may take."""
    _check_format(fmt)
    if graph is not None and endpoint is not None:
        raise InputError("give either a graph or an endpoint, not both")
    iri = country_iri(country)
    if default_graph is not None and endpoint is None:
        raise InputError("default_graph is for an endpoint; give endpoint= too")
    run = _Runner(iri, _store_of(graph), endpoint, default_graph, timeout)
    return render(Page(run, iri), fmt)


def write(text: str, out: str | Path, *, force: bool = False) -> Path:
    """Write a rendered factsheet to ``out`` safely: into a temporary file beside it, then
    renamed over it, so a reader never sees half a file. Refuses a missing folder, a folder
    as target, and (unless ``force``) replacing a file that is not a previous factsheet."""
    import os
    import tempfile

    path = Path(out)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"the folder {folder} does not exist", file=str(path),
                         hint="create it first, or choose another --out")
    if path.is_dir():
        raise InputError("is a folder, not a file", file=str(path),
                         hint="give a file name, e.g. factsheet.html")
    if path.exists() and not force and not _is_factsheet(path):
        raise InputError("exists and is not a factsheet written by kzgraph; not replaced",
                         file=str(path), hint="choose another --out, or pass --force")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=str(folder))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # as any new file (mkstemp makes it 0600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _is_factsheet(path: Path) -> bool:
    try:
        with path.open("r", encoding="utf-8", errors="replace") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return GENERATOR in head
