"""The `kzgraph` command: a thin layer over the public API.

Each sub-command lives in its own module exposing ``register(subparsers)`` (and, where it
holds several commands, ``COMMANDS``: name -> the function adding that one command's parser);
the module sets ``func`` (args -> exit code) as the parser default. Heavy libraries are
imported inside those functions, never at module level, so ``kzgraph --help`` stays quick."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Any

from kzgraph.errors import EXIT_INPUT, KzgraphError

# One module per group of sub-commands; the order is the order of `kzgraph --help`.
COMMAND_MODULES = ("validate", "query", "build", "factsheet", "new_country")
# The module that registers each command: `kzgraph query …` builds that module's parsers only
# (building every command's parser took a third of a cold query). A command missing here still
# works, through the full parser.
MODULE_OF = {"validate": "validate", "queries": "query", "query": "query", "sparql": "query",
             "build": "build", "site": "build", "factsheet": "factsheet",
             "new-country": "new_country"}

EPILOG = """exit codes:
  0  success (validate: the graph conforms)
  1  the graph does not conform to the shapes (validate, build)
  2  unusable input: missing file, malformed RDF or SPARQL, unknown query or parameter,
     unreachable endpoint, bad arguments, a country folder or IRIs that already exist
     (new-country writes nothing then)
"""


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or only of the module that registers ``command``."""
    parser = argparse.ArgumentParser(
        prog="kzgraph",
        description="A linked-data knowledge graph of diaspora engagement (EUDiF factsheets).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from kzgraph.version import __version__

    parser.add_argument("--version", action="version", version=f"kzgraph {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in ((MODULE_OF[command],) if command in MODULE_OF else COMMAND_MODULES):
        try:
            module = importlib.import_module(f"kzgraph.cli.{name}")
        except ModuleNotFoundError as exc:  # a command still being built is simply absent
            if exc.name != f"kzgraph.cli.{name}":
                raise
            continue
        adders = getattr(module, "COMMANDS", {})
        if command in adders:
            adders[command](sub)  # that command's parser alone
        else:
            module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv[0] if argv and not argv[0].startswith("-") else None)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_INPUT
    previous = _terminate_as_interrupt()
    try:
        return int(args.func(args))
    except KzgraphError as exc:
        print(f"kzgraph {args.command}: error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except Terminated:
        print(f"kzgraph {args.command}: terminated", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print(f"kzgraph {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    finally:
        if previous is not None:
            import signal

            signal.signal(signal.SIGTERM, previous)


class Terminated(KeyboardInterrupt):
    """SIGTERM (a CI cancel, `kill`): unwinds like Ctrl-C, so temporary files are removed."""


def _terminate_as_interrupt() -> Any:
    """Raise Terminated on SIGTERM (main thread only); the handler it replaces."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None

    def terminated(signum: int, frame: object) -> None:
        raise Terminated()

    return signal.signal(signal.SIGTERM, terminated)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
