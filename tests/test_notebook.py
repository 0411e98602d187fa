"""notebooks/explore.ipynb runs from top to bottom and draws its charts, offline.

The notebook is executed with nbclient on the python3 kernel, with matplotlib's Agg backend
and without KZGRAPH_ENDPOINT (so its endpoint cell sends nothing over the network). The copy
kept in git carries no outputs."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "explore.ipynb"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("matplotlib")
pytest.importorskip("pandas")
pytest.importorskip("ipykernel")


def _tagged(nb: Any, tag: str) -> Any:
    cells = [c for c in nb.cells if tag in c.get("metadata", {}).get("tags", [])]
    assert len(cells) == 1, f"one cell tagged {tag!r}"
    return cells[0]


def _text(cell: Any) -> str:
    parts = []
    for out in cell.outputs:
        if out.output_type == "stream":
            parts.append(out.text)
        elif "data" in out:
            parts.append(out.data.get("text/plain", ""))
    return "\n".join(parts)


def _pngs(cell: Any) -> list[bytes]:
    return [base64.b64decode(out.data["image/png"]) for out in cell.outputs
            if "data" in out and "image/png" in out.data]


def test_the_stored_notebook_has_no_outputs() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], "outputs are stripped in git"
            assert cell.execution_count is None


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MPLBACKEND", "Agg")
        patch.delenv("KZGRAPH_ENDPOINT", raising=False)
        patch.setenv("MPLCONFIGDIR", str(tmp_path_factory.mktemp("mplconfig")))
        nb = nbformat.read(NOTEBOOK, as_version=4)
        client = nbclient.NotebookClient(
            nb, timeout=600, kernel_name="python3",
            resources={"metadata": {"path": str(NOTEBOOK.parent)}})
        client.execute()  # raises CellExecutionError on the first failing cell
    return nb


def test_runs_without_error(executed: Any) -> None:
    code = [c for c in executed.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code)
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert errors == []


def test_draws_the_emigrant_stock_bar_chart(executed: Any) -> None:
    cell = _tagged(executed, "emigrant-stock-chart")
    pngs = _pngs(cell)
    assert len(pngs) == 1 and pngs[0].startswith(PNG_MAGIC) and len(pngs[0]) > 5000
    assert "bar chart: 5 destinations" in _text(cell)


def test_draws_the_policy_timeline(executed: Any) -> None:
    assert "Migration Policy Concept 2023" in _text(_tagged(executed, "timeline-table"))
    pngs = _pngs(_tagged(executed, "timeline-chart"))
    assert len(pngs) == 1 and pngs[0].startswith(PNG_MAGIC)


def test_dataframes_have_typed_columns(executed: Any) -> None:
    assert "Russia" in _text(_tagged(executed, "top-destinations"))
    dtypes = _text(_tagged(executed, "dtypes"))
    for column, dtype in (("emigrants", "Int64"), ("year", "Int64"),
                          ("shareOfTopFivePercent", "Float64"), ("destinationLabel", "string")):
        assert any(line.split() == [column, dtype] for line in dtypes.splitlines()), dtypes


def test_endpoint_cell_stays_offline_without_kzgraph_endpoint(executed: Any) -> None:
    assert "KZGRAPH_ENDPOINT is not set" in _text(_tagged(executed, "endpoint"))


def test_compares_kazakhstan_and_ukraine_with_a_chart(executed: Any) -> None:
    rights = _text(_tagged(executed, "compare-rights"))
    assert "Kazakhstan" in rights and "Ukraine" in rights
    cell = _tagged(executed, "compare-chart")
    assert "comparison chart: 2 countries" in _text(cell)
    pngs = _pngs(cell)
    assert len(pngs) == 1 and pngs[0].startswith(PNG_MAGIC) and len(pngs[0]) > 5000
    corridor = _text(_tagged(executed, "corridor"))
    assert "224467" in corridor.replace(",", "") and "353225" in corridor.replace(",", "")
