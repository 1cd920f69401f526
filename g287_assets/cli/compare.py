"""`g287 compare`: are two built databases' public tables the same, column for column and row for row?"""

from __future__ import annotations

import argparse
from pathlib import Path

from g287_assets.lib.warehouse.compare import compare_databases


def compare(first: Path, second: Path, every_table: bool = False) -> int:
    comparisons = compare_databases(first, second, every_table)
    for result in comparisons:
        verdict = "same" if result.same else "DIFFERENT"
        if not result.columns_first or not result.columns_second:
            types = f"  (absent from {'first' if not result.columns_first else 'second'})"
        elif result.columns_first != result.columns_second:
            types = "  (columns or types differ)"
        else:
            types = ""
        print(
            f"{result.table:<36} {result.rows_first:>9,} {result.rows_second:>9,} rows  "
            f"only first {result.only_first:>7,}  only second {result.only_second:>7,}  {verdict}{types}"
        )
    different = [result.table for result in comparisons if not result.same]
    kind = "" if every_table else " public"
    print(f"{len(comparisons) - len(different)} of {len(comparisons)}{kind} tables are the same")
    return 1 if different else 0


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "compare", help="compare the public tables of two built databases (exit 1 if any differs)"
    )
    parser.add_argument("first", type=Path, help="a g287.duckdb, e.g. one built before a change")
    parser.add_argument("second", type=Path, help="another g287.duckdb")
    parser.add_argument(
        "--all", dest="every_table", action="store_true", help="every table, not only the public ones"
    )
    parser.set_defaults(run=lambda args: compare(args.first, args.second, args.every_table))
