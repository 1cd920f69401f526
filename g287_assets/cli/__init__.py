"""The `g287` command. Each module of this package that defines `register(subparsers)` adds a subcommand."""

import argparse
import importlib
import pkgutil
from pathlib import Path


def add_folders_argument(parser: argparse.ArgumentParser, help_text: str) -> None:
    """`--from DIR`, repeatable: folders whose files (recursively) are registered."""
    parser.add_argument(
        "--from", dest="sources", type=Path, action="append", default=[], metavar="DIR", help=help_text
    )


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="g287", description="Build and query the g287 history of 287(g) agreements."
    )
    commands = root.add_subparsers(dest="command", required=True)
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda module: module.name):
        if info.name.startswith("_"):
            continue  # __main__ runs the command itself
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "register"):
            module.register(commands)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)
