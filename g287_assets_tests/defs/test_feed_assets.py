"""The feeds of what changed on the real archive: read by a standard parser, counted against history.changes.

The build of `built_archive` runs every asset, the feeds included, so most tests read its files; one
materializes the asset again on a copy of the database to read what the Dagster UI shows.
"""

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import dagster as dg
import duckdb
import feedparser
import pytest

from g287_assets.definitions import defs as all_definitions
from g287_assets.defs.outputs import feeds as feed_assets
from g287_assets.defs.resources import default_resources
from g287_assets.lib.history import changes
from g287_assets.lib.outputs import feeds, report
from g287_assets.lib.settings import Paths

FEEDS_KEY = dg.AssetKey(["outputs", "change_feeds"])


@pytest.fixture(scope="module")
def folder(built_archive: Path) -> Path:
    return built_archive / "exports" / feeds.FEEDS_FOLDER


@pytest.fixture(scope="module")
def parsed(folder: Path) -> dict[str, feedparser.FeedParserDict]:
    return {path.name: feedparser.parse(path) for path in sorted(folder.glob("*.atom"))}


def expected_lists(con: duckdb.DuckDBPyConnection, state: str | None) -> list[tuple[str, int, dict]]:
    """Per list that changed something (for the state), newest first: its key, its changes and the agreements
    per event, counted in SQL straight from history.changes."""
    lists = con.execute(
        """
        SELECT snapshot_key, count(*) AS changes
        FROM history.changes JOIN history.timeline USING (snapshot_key)
        WHERE $state IS NULL OR state_code = $state
        GROUP BY snapshot_key, snapshot_at ORDER BY snapshot_at DESC, snapshot_key DESC LIMIT $limit
        """,
        {"state": state, "limit": feeds.MAX_LISTS},
    ).fetchall()
    events = con.execute(
        """
        SELECT snapshot_key, event, count(DISTINCT agreement_id) FROM history.changes
        WHERE $state IS NULL OR state_code = $state GROUP BY ALL
        """,
        {"state": state},
    ).fetchall()
    per_list: dict[str, dict[str, int]] = {}
    for key, event, agreements in events:
        per_list.setdefault(key, {})[event] = agreements
    return [(key, count, per_list[key]) for key, count in lists]


def title_counts(title: str) -> dict[str, int]:
    """A title's counts by event: "...: 13 agreements added, 2 ended" -> {"added": 13, "ended": 2}."""
    words = {wording: event for event, wording in changes.EVENTS.items()}
    summary = title.split(": ", 1)[1]
    counts = {}
    for part in summary.split(", "):
        number, wording = re.fullmatch(r"([\d,]+) (?:agreements? )?(.+)", part).groups()
        counts[words[wording]] = int(number.replace(",", ""))
    return counts


def test_the_asset_is_an_output_after_publication() -> None:
    graph = all_definitions.resolve_asset_graph()
    node = graph.get(FEEDS_KEY)
    assert node.group_name == "outputs" and node.owners == ["team:g287"]
    assert {dg.AssetKey(["published_database"]), dg.AssetKey(["history", "changes"])} <= node.parent_keys
    assert FEEDS_KEY not in graph.get(dg.AssetKey(["published_database"])).parent_keys


def test_a_feed_for_the_program_and_each_state_with_a_change(folder: Path, published) -> None:
    states = [
        row[0]
        for row in published.execute("SELECT DISTINCT state_code FROM history.changes ORDER BY 1").fetchall()
    ]
    assert len(states) >= 40 and "TX" in states
    expected = ["changes.atom", "changes.json"] + [
        f"changes-{state}.{kind}" for state in states for kind in ("atom", "json")
    ]
    assert sorted(path.name for path in folder.iterdir()) == sorted(expected)


def test_every_atom_feed_is_valid_with_its_required_elements(parsed) -> None:
    assert len(parsed) > 40
    for name, feed in parsed.items():
        assert feed.bozo == 0 and feed.version == "atom10", name
        assert feed.feed.id and feed.feed.title and feed.feed.author, name
        assert feed.feed.updated == feed.entries[0].updated, name  # the newest entry's moment
        assert {link.rel for link in feed.feed.links} == {"self", "alternate"}, name
        assert all(entry.id and entry.title and entry.updated and entry.content for entry in feed.entries), (
            name
        )
    ids = [entry.id for feed in parsed.values() for entry in feed.entries] + [
        f.feed.id for f in parsed.values()
    ]
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("state", [None, "TX", "FL", "MD"])
def test_entries_and_their_changes_equal_history_changes(parsed, published, state: str | None) -> None:
    feed = parsed["changes.atom" if state is None else f"changes-{state}.atom"]
    expected = expected_lists(published, state)
    assert len(feed.entries) == len(expected) > 0
    for entry, (key, change_count, per_event) in zip(feed.entries, expected):
        assert entry.title.startswith(f"ICE's list of {key[:10]}")
        assert entry.content[0].value.count("<li>") == change_count, entry.title
        assert title_counts(entry.title) == per_event, entry.title


def test_the_newest_list_is_the_one_of_2026_05_18(parsed) -> None:
    newest = parsed["changes.atom"].entries[0]
    assert newest.title == "ICE's list of 2026-05-18: 13 agreements added, 2 ended"
    assert newest.updated == "2026-05-18T09:00:00Z"
    texas = parsed["changes-TX.atom"].entries[0]
    assert texas.title == "ICE's list of 2026-05-18 (TX): 3 agreements added"
    assert "Freestone County Sheriff's Office (TX), TFM, signed 2026-05-17" in texas.content[0].value
    assert texas.id != newest.id


def test_json_twins_hold_the_same_entries(folder: Path, parsed) -> None:
    for name, atom in parsed.items():
        document = json.loads((folder / name.replace(".atom", ".json")).read_text(encoding="utf-8"))
        assert (
            document["version"] == "https://jsonfeed.org/version/1.1" and document["title"] == atom.feed.title
        )
        items = document["items"]
        assert [item["id"] for item in items] == [entry.id for entry in atom.entries], name
        assert [item["title"] for item in items] == [entry.title for entry in atom.entries], name
        assert all(item["content_html"] and item["date_modified"].endswith("Z") for item in items), name


def test_the_ui_shows_the_newest_lists_changes(built_archive: Path, tmp_path: Path, published) -> None:
    paths = Paths(data_dir=tmp_path, reference_dir=tmp_path / "reference")
    paths.work_db.parent.mkdir(parents=True)
    shutil.copy(built_archive / "g287.duckdb", paths.work_db)
    result = dg.materialize([feed_assets.change_feeds], resources=default_resources(paths))
    metadata = result.get_asset_materialization_events()[0].materialization.metadata
    shown = metadata["newest changes"].value
    assert shown.startswith("**ICE's list of 2026-05-18**: 13 agreements added, 2 ended")
    agencies = [row[0] for row in published.execute(
        "SELECT agency_name FROM history.changes WHERE snapshot_key = '2026-05-18_am_f2d0629e'"
    ).fetchall()]  # fmt: skip
    assert len(agencies) == 15 and all(agency in shown for agency in agencies)
    assert metadata["newest list with changes"].value == "2026-05-18_am_f2d0629e"
    assert metadata["files"].value == len(list((tmp_path / "exports" / "feeds").iterdir()))


def test_the_report_and_the_command_show_the_same_newest_changes(built_archive: Path, published) -> None:
    data = report.embedded_data(report.report_path(built_archive).read_text(encoding="utf-8"))
    newest = data["changes"][0]
    assert newest["summary"] == "13 agreements added, 2 ended"
    assert len(data["changes"]) == changes.REPORT_LISTS
    command = subprocess.run(
        [sys.executable, "-m", "g287_assets.cli", "changes", "--csv"],
        env={**os.environ, "G287_DATA_DIR": str(built_archive)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    rows = list(csv.DictReader(io.StringIO(command.stdout, newline="")))
    assert len(rows) == len(newest["changes"]) == 15
    shown = Counter((change["event"], change["agency"], change["model"]) for change in newest["changes"])
    printed = Counter((row["event"], row["agency_name"], row["model"]) for row in rows)
    assert shown == printed
    assert "#agency=TX/freestone-county-sheriffs-office" in {
        change["agency_link"] for change in newest["changes"]
    }
