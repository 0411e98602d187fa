"""A command builds only its own parser, and gets exactly the parser the full CLI has."""

from __future__ import annotations

import argparse

import pytest

from kzgraph.cli import build_parser


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


FULL = _commands(build_parser())


def test_the_full_parser_has_every_command() -> None:
    assert {"validate", "query", "queries", "sparql", "build", "factsheet"} <= set(FULL)


@pytest.mark.parametrize("command", sorted(FULL))
def test_a_narrowed_parser_is_the_commands_own(command: str) -> None:
    narrowed = _commands(build_parser(command))
    assert command in narrowed
    assert narrowed[command].format_help() == FULL[command].format_help()
    assert set(narrowed) <= set(FULL)


def test_an_unknown_command_gets_the_full_parser() -> None:
    assert set(_commands(build_parser("querry"))) == set(FULL)
    assert set(_commands(build_parser(None))) == set(FULL)


def test_narrowing_builds_fewer_parsers() -> None:
    assert len(_commands(build_parser("query"))) < len(FULL)
    assert set(_commands(build_parser("query"))) == {"query"}  # not queries, sparql
