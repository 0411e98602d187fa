"""kzgraph's benchmarks (see docs/benchmarks.md), importable as the package ``bench`` from the
repository root: pytest adds the root to ``sys.path`` (``pythonpath`` in pyproject.toml), and
``python bench/run.py`` puts it there itself.

Scripts run as cold processes:
    run.py             the benchmark command: measures, stores and reports
    generate.py        synthetic data: the bundled data + N fictional countries
    baseline_query.py  the naive rdflib baseline of ``kzgraph query``
    baseline_build.py  the naive rdflib + pySHACL baseline of ``kzgraph build``
    probe.py           one load step, measured as its own process
    query_times.py     every stored query timed in one process (for rewriting a query)
    experiments.py     proposed speed-ups as run-time patches, measured A/B

The parts of run.py:
    harness.py    runs commands as child processes and times them in interleaved pairs
    compare.py    query outputs (SPARQL CSV) compared as values
    commands.py   the commands measured and their inputs
    scenarios.py  what is measured on the bundled data (floors, warm-up, the three pairs)
    scale.py      what is measured at N synthetic countries
    results.py    the stored results: machine, parts, the merge of a partial rerun
    report.py     the Markdown tables of docs/benchmarks.md, rendered from stored results
    units.py      ratios and medians, and how times, memory and ratios are written
"""
