"""`g287 changes`: what changed in ICE's lists, from the published database, for people and for scripts."""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from g287_assets.lib.history.changes import ListChanges, read_changes, what_changed
from g287_assets.lib.outputs.exports import spreadsheet_safe

# The columns of --csv, one row per change; `event` is history.changes' own word.
CSV_COLUMNS = {
    "snapshot_date": "list_date",
    "snapshot_key": "snapshot_key",
    "previous_snapshot_date": "previous_list_date",
    "event": "event",
    "field": "field",
    "state_code": "state_code",
    "agency_name": "agency_name",
    "agency_key": "agency_key",
    "model": "model",
    "signed_date": "signed_date",
    "level": "level",
    "old_value": "old_value",
    "new_value": "new_value",
    "moa_link": "moa_url",
    "agreement_id": "agreement_id",
}


def state_code(text: str) -> str:
    code = text.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", code):
        raise argparse.ArgumentTypeError(f"not a two-letter state code: {text!r}")
    return code


def iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def list_table(item: ListChanges) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "change": what_changed(change),
                "state": change["state_code"],
                "agency": change["agency_name"],
                "model": change["model"],
                "signed": change["signed_date"] or "",
                "from": change["old_value"] or "",
                "to": change["new_value"] or "",
                "MOA": change["moa_link"] or "",
            }
            for change in item.changes
        ]
    )


def print_lists(lists: list[ListChanges]) -> None:
    for number, item in enumerate(lists):
        if number:
            print()
        print(
            f"ICE's list of {item.snapshot_date} ({item.snapshot_key}), compared with the list of "
            f"{item.previous_snapshot_date}: {item.summary()}"
        )
        table = list_table(item)
        # Columns empty for the whole list (no correction, no MOA) are left out.
        print(table.loc[:, (table != "").any()].to_markdown(index=False, tablefmt="plain"))


def write_csv(lists: list[ListChanges]) -> None:
    """One row per change, spreadsheet-safe like every CSV g287 writes."""
    rows = [
        {name: change[column] for column, name in CSV_COLUMNS.items()}
        for item in lists
        for change in item.changes
    ]
    table = (
        pa.Table.from_pylist(rows)
        if rows
        else pa.table({name: pa.array([], pa.string()) for name in CSV_COLUMNS.values()})
    )
    sys.stdout.flush()
    pa_csv.write_csv(spreadsheet_safe(table), sys.stdout.buffer)
    sys.stdout.buffer.flush()


def show_changes(since: dt.date | None, state: str | None, as_csv: bool) -> int:
    from g287_assets.lib.settings import paths_from_env

    published = paths_from_env().published_db
    if not published.is_file():
        print(f"g287 changes: no published database at {published}: run `g287 build` first", file=sys.stderr)
        return 2
    with duckdb.connect(str(published), read_only=True) as con:
        # Without --since, the newest list that changed something (for the state asked).
        lists = read_changes(con, lists=None if since else 1, since=since, state=state)
    if as_csv:
        write_csv(lists)
    elif lists:
        print_lists(lists)
    else:
        where = f" in {state}" if state else ""
        when = f" since {since}" if since else ""
        print(f"no changes{where}{when}")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "changes",
        help="print what changed in ICE's lists (the newest list that changed something, or every list since a date)",
    )
    parser.add_argument(
        "--since",
        type=iso_date,
        metavar="DATE",
        help="every list dated DATE (YYYY-MM-DD) or later, newest first",
    )
    parser.add_argument(
        "--state", type=state_code, metavar="XX", help="only the agencies of one state (e.g. TX)"
    )
    parser.add_argument("--csv", action="store_true", help="one CSV row per change on standard output")
    parser.set_defaults(run=lambda args: show_changes(args.since, args.state, args.csv))
