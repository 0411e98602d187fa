"""Proposed speed-ups, measured before they are applied: each is a patch applied at run time.

    python bench/experiments.py run PATCHES -- KZGRAPH-ARGS...    # kzgraph with the patches
    python bench/experiments.py ab PATCHES [--home DIR] [--runs 5] -- KZGRAPH-ARGS...
    python bench/experiments.py check PATCHES [--home DIR]
    python bench/experiments.py list

``ab`` runs ``python -m kzgraph ARGS`` and the patched command alternately as cold processes
and prints the medians and whether their outputs are identical. ``check`` validates, in one
process with and without the patches, the bundled graph, ``--home`` if given, and every
broken fixture of tests/fixtures/shapes, and requires the reports (JSON) to be identical.
PATCHES is a comma-separated list of the names ``list`` prints. Nothing in src/ is changed:
the patches show the exact change proposed and its measured effect (docs/benchmarks.md).
"""

from __future__ import annotations

import contextlib
import itertools
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if not __package__:  # run as a file (python bench/experiments.py): import bench/ as a package
    sys.path[0] = str(ROOT)

PATCHES: dict[str, tuple[str, Callable[[], Callable[[], None]]]] = {}


def patch(name: str, summary: str) -> Callable[[Callable[[], Callable[[], None]]],
                                               Callable[[], Callable[[], None]]]:
    """Register a patch: a function that applies it and returns the function undoing it."""
    def register(apply: Callable[[], Callable[[], None]]) -> Callable[[], Callable[[], None]]:
        PATCHES[name] = (summary, apply)
        return apply
    return register


def _swap(owner: Any, attr: str, new: Any) -> Callable[[], None]:
    old = owner.__dict__[attr] if attr in owner.__dict__ else getattr(owner, attr)
    setattr(owner, attr, new)
    return lambda: setattr(owner, attr, old)


# ------------------------------------------------------------------------------------------
# kzgraph.validation: pyshacl evaluates shapes one value node at a time
# ------------------------------------------------------------------------------------------


@patch("property-batch",
       "pyshacl: validate a property shape once for all value nodes, not once per value node")
def _property_batch() -> Callable[[], None]:
    # PropertyConstraintComponent calls prop_shape.validate(focus=v) for every value node v:
    # one full Shape.validate (constraint objects rebuilt from the shapes graph) per focus
    # node and property. Shape.validate takes a list of focus nodes and reports per focus
    # node, so one call over the distinct value nodes gives the same results.
    from pyshacl.constraints.core import shape_based_constraints as sbc

    original = sbc.PropertyConstraintComponent._evaluate_property_shape

    def batched(self: Any, executor: Any, prop_shape: Any, target_graph: Any,
                focus_value_nodes: dict[Any, Any], potentially_recursive: Any,
                _evaluation_path: list[Any]) -> tuple[bool, list[Any]]:
        values = [v for nodes in focus_value_nodes.values() for v in nodes]
        found = self.shape.get_other_shape(prop_shape)
        if (len(values) < 2 or len(set(values)) != len(values) or not found
                or not found.is_property_shape
                or (potentially_recursive and found in potentially_recursive)):
            return original(self, executor, prop_shape, target_graph, focus_value_nodes,
                            potentially_recursive, _evaluation_path)
        conforms, reports = found.validate(executor, target_graph, focus=values,
                                           _evaluation_path=_evaluation_path[:])
        return (not conforms), reports

    return _swap(sbc.PropertyConstraintComponent, "_evaluate_property_shape", batched)


@patch("or-first-pass",
       "pyshacl: sh:or stops at the first member a value conforms to (last winner tried first)")
def _or_first_pass() -> Callable[[], None]:
    # sh:or evaluates every member for every value node and builds (then discards) a full
    # validation result for each member that fails - e.g. dsh:LabelShape's
    # [ sh:nodeKind sh:BlankNode ] for every IRI resource. The outcome is "conforms to at
    # least one member", so the first conforming member decides; trying the member that
    # decided last time first makes the failing ones rare.
    from pyshacl.constraints.core import logical_constraints as lc
    from pyshacl.errors import ReportableRuntimeError

    def first_pass(self: Any, executor: Any, or_c: Any, target_graph: Any,
                   focus_value_nodes: dict[Any, Any],
                   _evaluation_path: list[Any]) -> tuple[bool, list[Any]]:
        shapes: list[Any] = []
        for node in self.shape.sg.graph.items(or_c):
            if self.shape.sg.is_filtered_out_shape(node):
                continue
            member = self.shape.get_other_shape(node)
            if not member:
                raise ReportableRuntimeError("Shape pointed to by sh:or does not exist or is "
                                             "not a well-formed SHACL Shape.")
            if member not in shapes:
                shapes.append(member)
        if not shapes:
            return False, []
        order: dict[Any, list[Any]] = executor.__dict__.setdefault("_kz_or_order", {})
        shapes = order.setdefault((id(self.shape.sg), or_c), shapes)
        non_conformant = False
        reports = []
        for focus, values in focus_value_nodes.items():
            for value in values:
                for i, member in enumerate(shapes):
                    conforms, _ = member.validate(executor, target_graph, focus=value,
                                                  _evaluation_path=_evaluation_path[:])
                    if conforms:
                        if i:
                            shapes.insert(0, shapes.pop(i))
                        break
                else:
                    non_conformant = True
                    reports.append(self.make_v_result(target_graph, focus, value_node=value))
        return non_conformant, reports

    return _swap(lc.OrConstraintComponent, "_evaluate_or_constraint", first_pass)


@patch("memo-conforming",
       "pyshacl: remember (shape, node) pairs that conformed without results in this run")
def _memo_conforming() -> Callable[[], None]:
    # sh:node / sh:or members / property shapes are re-evaluated for the same value again and
    # again (every observation's indicator against dsh:InSchemeIndicator, every "2019" against
    # dsh:PlausibleYear). A conforming evaluation without results depends only on the shape,
    # the node and the data graph - unless a recursive shape was cut short (pyshacl then
    # warns ShapeRecursionWarning), so nothing is remembered from an evaluation that warned.
    from pyshacl import shape as pshape
    from pyshacl.constraints.core import logical_constraints as lc
    from pyshacl.constraints.core import shape_based_constraints as sbc
    from rdflib.term import Node

    cuts = itertools.count()
    seen = {"cuts": 0}
    original_validate = pshape.Shape.validate

    def counting_warn(message: Any, *args: Any, **kwargs: Any) -> None:
        seen["cuts"] = next(cuts) + 1
        warnings.warn(message, *args, stacklevel=2, **kwargs)

    def validate(self: Any, executor: Any, target_graph: Any, focus: Any = None,
                 _evaluation_path: Any = None) -> Any:
        if not isinstance(focus, Node):
            return original_validate(self, executor, target_graph, focus, _evaluation_path)
        memo: set[Any] = executor.__dict__.setdefault("_kz_conforming", set())
        key = (self.node, focus)
        if key in memo:
            return True, []
        before = seen["cuts"]
        conforms, reports = original_validate(self, executor, target_graph, focus,
                                              _evaluation_path)
        if conforms and not reports and seen["cuts"] == before:
            memo.add(key)
        return conforms, reports

    undo = [_swap(pshape.Shape, "validate", validate), _swap(sbc, "warn", counting_warn),
            _swap(lc, "warn", counting_warn)]

    def restore() -> None:
        for u in reversed(undo):
            u()

    return restore


# ------------------------------------------------------------------------------------------
# kzgraph.store: opening the graph for `kzgraph query`
# ------------------------------------------------------------------------------------------

#: Below this many bytes of RDF, parsing into memory beats opening the on-disk cache.
@patch("no-stat-index", "kzgraph.store: key the cache by hashing every byte (as before)")
def _no_stat_index() -> Callable[[], None]:
    from kzgraph import store

    return _swap(store, "_content_key", store._cache_key)


# ------------------------------------------------------------------------------------------
# Driver
# ------------------------------------------------------------------------------------------


@contextlib.contextmanager
def applied(names: list[str]) -> Iterator[None]:
    undo = []
    try:
        for name in names:
            if name not in PATCHES:
                raise SystemExit(f"unknown patch {name!r}; known: {', '.join(PATCHES)}")
            undo.append(PATCHES[name][1]())
        yield
    finally:
        for u in reversed(undo):
            u()


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.split(",") if n.strip() and n.strip() != "none"]


def cmd_run(names: list[str], args: list[str]) -> int:
    from kzgraph.cli import main

    with applied(names):
        return main(args)


def cmd_check(names: list[str], home: Path | None) -> int:
    """The validation reports with and without the patches must be identical."""
    from kzgraph import store
    from kzgraph.validation import validate

    cases: list[tuple[str, Any]] = [("bundled graph", None)]
    if home is not None:
        files = [*sorted((home / "ontology").rglob("*.ttl")),
                 *sorted((home / "data").rglob("*.ttl"))]
        cases.append((str(home), files))
    fixtures = sorted((ROOT / "tests" / "fixtures" / "shapes").glob("*.ttl"))
    cases += [(f.name, [f]) for f in fixtures]
    bad = 0
    for label, paths in cases:
        reports = []
        for patched in (False, True):
            store.graph.cache_clear()
            with applied(names if patched else []):
                report = validate(paths) if paths is not None else validate()
            reports.append(report.to_json())
        same = reports[0] == reports[1]
        bad += not same
        print(f"{'same' if same else 'DIFFERENT':9} {label}")
    print(f"{len(cases) - bad}/{len(cases)} reports identical with {', '.join(names)}")
    return 1 if bad else 0


def cmd_ab(names: list[str], args: list[str], home: Path | None, runs: int) -> int:
    from bench.commands import kz, script
    from bench.harness import RESULTS, Measure, Runner, paired

    work = RESULTS / "work"
    work.mkdir(parents=True, exist_ok=True)
    runner = Runner(work, 3600, as_is=False, verbose=False)
    plain = Measure("kzgraph", kz(*args))
    patched = Measure("patched", script("experiments.py", "run", ",".join(names), "--", *args))
    outs = {plain.label: work / "ab-plain.out", patched.label: work / "ab-patched.out"}
    for m in (plain, patched):  # warm-up
        runner.once(m.cmd, home=home)
    paired(runner, [(plain, {"home": home}), (patched, {"home": home})], runs, outs)
    same = outs[plain.label].read_bytes() == outs[patched.label].read_bytes()
    print(f"kzgraph {' '.join(args)}  [home: {home or ROOT}]")
    for m in (plain, patched):
        times = ", ".join(f"{r.wall:.3f}" for r in m.runs)
        print(f"  {m.label:8} median {m.wall:.3f} s  CPU {m.cpu:.3f} s  peak {m.rss:.0f} MB"
              f"  ({times})")
    print(f"  ratio patched/plain {patched.wall / plain.wall:.2f} (CPU "
          f"{patched.cpu / plain.cpu:.2f}); output {'identical' if same else 'DIFFERENT'}")
    return 0 if same else 1


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    rest: list[str] = []
    if "--" in args:
        at = args.index("--")
        args, rest = args[:at], args[at + 1:]
    if not args or args[0] not in ("run", "ab", "check", "list"):
        print(__doc__, file=sys.stderr)
        return 2
    if args[0] == "list":
        for name, (summary, _) in PATCHES.items():
            print(f"{name:16} {summary}")
        return 0
    names = _names(args[1]) if len(args) > 1 else []
    home = Path(args[args.index("--home") + 1]) if "--home" in args else None
    runs = int(args[args.index("--runs") + 1]) if "--runs" in args else 5
    if args[0] == "run":
        return cmd_run(names, rest)
    if args[0] == "check":
        return cmd_check(names, home)
    return cmd_ab(names, rest, home, runs)


if __name__ == "__main__":
    sys.exit(main())
