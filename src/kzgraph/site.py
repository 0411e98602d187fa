"""The static site, kept under its former name: the pages are written by
:mod:`kzgraph.release.site`, ``kzgraph site`` is :func:`kzgraph.release.orchestrator.build_site`."""

from kzgraph.release.orchestrator import build_site
from kzgraph.release.site import render_site

__all__ = ["build_site", "render_site"]
