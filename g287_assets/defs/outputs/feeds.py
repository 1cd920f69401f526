"""Feeds of what changed: Atom and JSON Feed files under data/exports/feeds/, one national, one per state.

Made after publication, like the figures, so a new list reaches readers of the database first; the UI shows
the newest list's changes, so an operator sees what a run changed without opening the database.
"""

import datetime as dt

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from g287_assets.defs.metadata import preview, table_key
from g287_assets.defs.outputs.figures import GROUP, PUBLISHED
from g287_assets.defs.resources import G287Files
from g287_assets.lib.history.changes import ListChanges, what_changed
from g287_assets.lib.outputs import feeds
from g287_assets.lib.warehouse import catalog

# The newest list rarely changes more than a few dozen agreements; a re-reading of history can change many.
UI_ROWS = 200


def changes_table(item: ListChanges) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "change": what_changed(change),
                "agency": change["agency_name"],
                "state": change["state_code"],
                "model": change["model"],
                "signed": change["signed_date"],
                "from": change["old_value"],
                "to": change["new_value"],
            }
            for change in item.changes
        ]
    )


def newest_changes_markdown(newest: ListChanges | None, newest_list_key: str) -> str:
    """The newest list's changes as a table, saying so when the newest list changed nothing."""
    if newest is None:
        return "_no list has changed anything yet_"
    heading = f"**ICE's list of {newest.snapshot_date:%Y-%m-%d}**: {newest.summary()}"
    if newest.snapshot_key != newest_list_key:
        heading = f"The newest list ({newest_list_key}) changed nothing. The last that did: {heading}"
    table = preview(changes_table(newest), UI_ROWS).value
    more = len(newest.changes) - UI_ROWS
    return f"{heading}\n\n{table}" + (f"\n\n_and {more:,} more changes_" if more > 0 else "")


@dg.asset(
    key=["outputs", "change_feeds"],
    group_name=GROUP,
    kinds={"atom", "json"},
    deps=[
        PUBLISHED,
        table_key(catalog.HISTORY_CHANGES),
        table_key(catalog.HISTORY_AGREEMENTS),
        table_key(catalog.HISTORY_TIMELINE),
    ],
    description=(
        "Feeds of what changed, to subscribe to (data/exports/feeds/): changes.atom and changes.json for the "
        "whole program, changes-XX.atom and .json for each state with a change. One entry per usable list that "
        f"changed something, newest first (the last {feeds.MAX_LISTS}), listing each agreement added, ended, "
        "corrected, re-dated or listed again (history.changes)."
    ),
)
def change_feeds(
    context: dg.AssetExecutionContext, files: G287Files, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    with duckdb.get_connection() as con:
        all_feeds = feeds.read_feeds(con)
        newest_list = con.execute(
            f"SELECT snapshot_key FROM {catalog.HISTORY_TIMELINE.name} ORDER BY snapshot_at DESC LIMIT 1"
        ).fetchone()
    folder = files.paths.exports / feeds.FEEDS_FOLDER
    written = feeds.write_feeds(all_feeds, folder, files.feeds_url or None, dt.datetime.now(dt.UTC))
    national = all_feeds[0]
    newest = national.lists[0] if national.lists else None
    context.log.info(f"feeds: {len(written)} files, {len(national.lists)} lists in the national feed")
    return dg.MaterializeResult(
        metadata={
            "newest changes": dg.MetadataValue.md(
                newest_changes_markdown(newest, newest_list[0] if newest_list else "")
            ),
            "newest list with changes": newest.snapshot_key if newest else "none",
            "folder": dg.MetadataValue.path(str(folder)),
            "national feed": dg.MetadataValue.path(str(folder / f"{national.stem}.atom")),
            "files": len(written),
            "state feeds": len(all_feeds) - 1,
            "entries in the national feed": len(national.lists),
            "dagster/row_count": sum(len(item.changes) for item in national.lists),
        }
    )
