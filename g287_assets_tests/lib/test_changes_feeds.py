"""What changed, on a tiny history built here: the one query, the feeds a standard parser reads, and the command.

Three usable lists: the second adds two Texas agreements (one agency named with markup, an XML control
character and a `javascript:` MOA) and ends an Oklahoma one; the third corrects a Texas name twice over (name
and county, one agreement) and re-dates another; a fourth list changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import feedparser
import pytest

from g287_assets.lib.history import changes
from g287_assets.lib.outputs import feeds
from g287_assets.lib.warehouse import catalog

HOSTILE = "Evil </content><script>alert(1)</script> & Sheriff's\x0b Office"
FORMULA = '=HYPERLINK("http://x") Police'
LISTS = [
    ("2026-05-01_am_aaaa0001", dt.date(2026, 5, 1)),
    ("2026-05-04_pm_aaaa0002", dt.date(2026, 5, 4)),
    ("2026-05-04_pm2_aaaa0003", dt.date(2026, 5, 4)),
    ("2026-05-07_am_aaaa0004", dt.date(2026, 5, 7)),
]
MOMENTS = {key: dt.datetime.combine(day, dt.time(9 + 5 * (n % 3))) for n, (key, day) in enumerate(LISTS)}
BUILT_AT = dt.datetime(2026, 5, 8, 12, tzinfo=dt.UTC)


def insert(con: duckdb.DuckDBPyConnection, table: str, row: dict) -> None:
    marks = ", ".join("?" for _ in row)
    con.execute(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({marks})", list(row.values()))


def change(list_number: int, event: str, agreement_id: str, state: str, name: str, **extra) -> dict:
    key, day = LISTS[list_number]
    previous_key, previous_day = LISTS[list_number - 1]
    return {
        "snapshot_key": key,
        "snapshot_date": day,
        "previous_snapshot_key": previous_key,
        "previous_snapshot_date": previous_day,
        "event": event,
        "agreement_id": agreement_id,
        "state_code": state,
        "agency_name": name,
        "model": "TFM",
        "signed_date": dt.date(2026, 4, 30),
        **extra,
    }


CHANGES = [
    change(1, "added", "a-evil", "TX", HOSTILE),
    change(1, "added", "a-formula", "TX", FORMULA, model="JEM"),
    change(1, "ended", "a-tulsa", "OK", "Tulsa County Sheriff's Office", model="WSO"),
    change(2, "corrected", "a-lampasas", "TX", "Lampasas County Sheriff's Office", field="agency_name",
           old_value="Lampass County Sheriff's Office", new_value="Lampasas County Sheriff's Office"),
    change(2, "corrected", "a-lampasas", "TX", "Lampasas County Sheriff's Office", field="county_name",
           old_value=None, new_value="Lampasas County"),
    change(2, "re-dated", "a-tenaha", "TX", "Tenaha Police Department", field="signed_date",
           old_value="2025-01-07", new_value="2026-01-07"),
]  # fmt: skip
AGREEMENTS = {
    "a-evil": ("EVIL SHERIFFS OFFICE", "javascript:alert(1)"),
    "a-formula": ("HYPERLINK POLICE", None),
    "a-tulsa": ("TULSA COUNTY SHERIFFS OFFICE", 'https://www.ice.gov/doclib/287gMOA/tulsa.pdf?a=1&b="2'),
    "a-lampasas": ("LAMPASAS COUNTY SHERIFFS OFFICE", None),
    "a-tenaha": ("TENAHA POLICE DEPARTMENT", "https://www.ice.gov/doclib/287gMOA/tenaha.pdf"),
}


def make_history(con: duckdb.DuckDBPyConnection) -> None:
    for table in (catalog.HISTORY_CHANGES, catalog.HISTORY_TIMELINE, catalog.HISTORY_AGREEMENTS):
        for statement in catalog.create_statements(table):
            con.execute(statement)
    for key, day in LISTS:
        insert(
            con, "history.timeline", {"snapshot_key": key, "snapshot_date": day, "snapshot_at": MOMENTS[key]}
        )
    for row in CHANGES:
        insert(con, "history.changes", row)
    for agreement_id, (agency_key, moa) in AGREEMENTS.items():
        insert(
            con,
            "history.agreements",
            {"agreement_id": agreement_id, "agency_key": agency_key, "moa_url": moa},
        )


@pytest.fixture(scope="module")
def tiny() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    make_history(con)
    yield con
    con.close()


@pytest.fixture(scope="module")
def written(tiny, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("feeds")
    feeds.write_feeds(feeds.read_feeds(tiny), folder, "https://example.org/g287/feeds/", BUILT_AT)
    return folder


# ---- the query -------------------------------------------------------------------------------------------------


def test_lists_that_changed_something_come_newest_first(tiny) -> None:
    lists = changes.read_changes(tiny)
    assert [item.snapshot_key for item in lists] == [LISTS[2][0], LISTS[1][0]]  # the fourth changed nothing
    newest = lists[0]
    assert newest.snapshot_at == MOMENTS[LISTS[2][0]] and newest.previous_snapshot_date == dt.date(2026, 5, 4)
    assert newest.counts() == {"corrected": 1, "re-dated": 1}  # two fields, one agreement corrected
    assert newest.summary() == "1 agreement corrected, 1 re-dated"
    assert lists[1].summary() == "2 agreements added, 1 ended"
    assert [row["event"] for row in lists[1].changes] == ["added", "added", "ended"]


def test_filters_by_count_date_and_state(tiny) -> None:
    assert [item.snapshot_key for item in changes.read_changes(tiny, lists=1)] == [LISTS[2][0]]
    assert changes.read_changes(tiny, since=dt.date(2026, 5, 5)) == []
    oklahoma = changes.read_changes(tiny, state="OK")
    assert len(oklahoma) == 1 and oklahoma[0].summary() == "1 agreement ended"
    # A state's newest N lists are the newest that changed something there, not the program's.
    assert changes.read_changes(tiny, lists=1, state="OK")[0].snapshot_key == LISTS[1][0]
    with pytest.raises(ValueError, match="at least 1"):
        changes.read_changes(tiny, lists=0)


def test_records_link_agencies_and_only_web_moas(tiny) -> None:
    records = changes.as_records(changes.read_changes(tiny, lists=2))
    evil = next(row for row in records[1]["changes"] if row["agency"] == HOSTILE)
    assert evil["agency_link"] == "#agency=TX/evil-sheriffs-office"
    assert evil["moa"] is None  # javascript: never becomes a link
    assert records[1]["changes"][2]["moa"] == 'https://www.ice.gov/doclib/287gMOA/tulsa.pdf?a=1&b="2'
    assert records[0]["changes"][0]["what"] == "agency name corrected"
    assert records[0]["snapshot_date"] == "2026-05-04" and records[0]["counts"] == {
        "corrected": 1,
        "re-dated": 1,
    }
    assert (
        changes.agency_link("TX", "HARRIS COUNTY SHERIFFS OFFICE")
        == "#agency=TX/harris-county-sheriffs-office"
    )


# ---- the feeds -------------------------------------------------------------------------------------------------


def test_one_feed_per_state_with_a_change_in_both_formats(written: Path) -> None:
    assert sorted(path.name for path in written.iterdir()) == [
        "changes-OK.atom",
        "changes-OK.json",
        "changes-TX.atom",
        "changes-TX.json",
        "changes.atom",
        "changes.json",
    ]
    assert not list(written.glob(".*"))  # no partial file left behind


def test_atom_feeds_parse_with_required_elements(written: Path) -> None:
    national = feedparser.parse(written / "changes.atom")
    assert national.bozo == 0 and national.version == "atom10"
    assert national.feed.id.startswith("urn:uuid:")
    assert national.feed.title == "287(g) agreements: what changed in ICE's lists"
    assert national.feed.updated == "2026-05-04T19:00:00Z"  # the newest entry's moment, not the build's
    assert national.feed.author.startswith("g287")
    links = {link.rel: link.href for link in national.feed.links}
    assert links["self"] == "https://example.org/g287/feeds/changes.atom"
    assert links["alternate"] == "https://example.org/g287/feeds/changes.json"
    assert [entry.title for entry in national.entries] == [
        "ICE's list of 2026-05-04: 1 agreement corrected, 1 re-dated",
        "ICE's list of 2026-05-04: 2 agreements added, 1 ended",
    ]
    assert [entry.updated for entry in national.entries] == ["2026-05-04T19:00:00Z", "2026-05-04T14:00:00Z"]
    texas = feedparser.parse(written / "changes-TX.atom")
    assert texas.bozo == 0 and [entry.title for entry in texas.entries] == [
        "ICE's list of 2026-05-04 (TX): 1 agreement corrected, 1 re-dated",
        "ICE's list of 2026-05-04 (TX): 2 agreements added",
    ]
    ids = [entry.id for feed in (national, texas) for entry in feed.entries] + [
        national.feed.id,
        texas.feed.id,
    ]
    assert len(set(ids)) == len(ids)  # a state's entry is not the national one's


def test_entries_list_each_change_escaped(written: Path) -> None:
    entry = feedparser.parse(written / "changes-TX.atom").entries[1]
    body = entry.content[0].value
    assert entry.content[0].type == "text/html"
    assert body.count("<li>") == 2
    # The name arrives as text: its markup escaped, its control character dropped, nothing executable.
    assert "Evil &lt;/content&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; Sheriff" in body
    assert "<script" not in body and "javascript:" not in body and "\x0b" not in body
    ended = feedparser.parse(written / "changes-OK.atom").entries[0].content[0].value
    assert '<a href="https://www.ice.gov/doclib/287gMOA/tulsa.pdf?a=1&amp;b=&quot;2">MOA</a>' in ended
    assert "Tulsa County Sheriff's Office (OK), WSO" in ended
    corrected = feedparser.parse(written / "changes-TX.atom").entries[0].content[0].value
    assert "from “Lampass County Sheriff" in corrected and "to “2026-01-07”" in corrected
    assert '<a href="https://www.ice.gov/doclib/287gMOA/tenaha.pdf">MOA</a>' in corrected
    assert corrected.count("<li>") == 3


def test_json_feeds_have_the_required_fields(written: Path) -> None:
    for name in ("changes.json", "changes-TX.json", "changes-OK.json"):
        document = json.loads((written / name).read_text(encoding="utf-8"))
        atom = feedparser.parse(written / name.replace(".json", ".atom"))
        assert document["version"] == "https://jsonfeed.org/version/1.1"
        assert document["title"] == atom.feed.title and document["feed_url"].endswith(name)
        assert [item["id"] for item in document["items"]] == [entry.id for entry in atom.entries]
        for item in document["items"]:
            assert isinstance(item["id"], str) and item["content_html"].startswith("<p>")
            assert "\x0b" not in item["content_html"] and "<script" not in item["content_html"]
            assert dt.datetime.fromisoformat(item["date_modified"]).tzinfo is not None


def test_ids_and_files_do_not_change_when_rebuilt(tiny, written: Path, tmp_path: Path) -> None:
    feeds.write_feeds(
        feeds.read_feeds(tiny), tmp_path, "https://example.org/g287/feeds", BUILT_AT + dt.timedelta(1)
    )
    for path in written.iterdir():
        assert (tmp_path / path.name).read_bytes() == path.read_bytes()


def test_a_state_feed_no_longer_made_is_removed(tiny, tmp_path: Path) -> None:
    (tmp_path / "changes-ZZ.atom").write_text("old", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("kept", encoding="utf-8")
    feeds.write_feeds(feeds.read_feeds(tiny), tmp_path, None, BUILT_AT)
    assert not (tmp_path / "changes-ZZ.atom").exists() and (tmp_path / "notes.txt").exists()
    # Without a public address, the self link is the file itself.
    self_link = f'<link rel="self" type="application/atom+xml" href="{(tmp_path / "changes.atom").resolve().as_uri()}"'
    assert self_link in (tmp_path / "changes.atom").read_text(encoding="utf-8")


def test_without_changes_the_national_feed_is_empty_but_valid(tmp_path: Path) -> None:
    con = duckdb.connect()
    make_history(con)
    con.execute("DELETE FROM history.changes")
    feeds.write_feeds(feeds.read_feeds(con), tmp_path, None, BUILT_AT)
    parsed = feedparser.parse(tmp_path / "changes.atom")
    assert parsed.bozo == 0 and parsed.entries == [] and parsed.feed.updated == "2026-05-08T12:00:00Z"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["changes.atom", "changes.json"]


# ---- the command -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def published_tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("published")
    with duckdb.connect(str(data_dir / "g287.duckdb")) as con:
        make_history(con)
    return data_dir


def g287_changes(data_dir: Path, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "g287_assets.cli", "changes", *arguments],
        env={**os.environ, "G287_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_command_prints_the_newest_list_that_changed_something(published_tiny: Path) -> None:
    result = g287_changes(published_tiny, "--state", "tx")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "ICE's list of 2026-05-04 (2026-05-04_pm2_aaaa0003), compared with the list of 2026-05-04: "
        "1 agreement corrected, 1 re-dated"
    )
    assert lines[1].split() == ["change", "state", "agency", "model", "signed", "from", "to", "MOA"]
    assert len(lines) == 5 and "signing date corrected" in lines[4] and "tenaha.pdf" in lines[4]


def test_the_command_writes_spreadsheet_safe_csv(published_tiny: Path) -> None:
    result = g287_changes(published_tiny, "--since", "2026-05-01", "--csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    assert len(rows) == len(CHANGES)
    assert [row["event"] for row in rows] == ["corrected", "corrected", "re-dated", "added", "added", "ended"]
    assert rows[3]["agency_name"] == "'" + FORMULA  # a formula-like name never runs in a spreadsheet
    assert rows[4]["agency_name"] == HOSTILE and rows[4]["moa_url"] == ""


def test_the_command_says_so_when_nothing_changed_or_nothing_is_built(
    published_tiny: Path, tmp_path: Path
) -> None:
    assert g287_changes(published_tiny, "--since", "2026-05-06").stdout == "no changes since 2026-05-06\n"
    assert g287_changes(published_tiny, "--state", "CA").stdout == "no changes in CA\n"
    refused = g287_changes(published_tiny, "--state", "Texas")
    assert refused.returncode == 2 and "not a two-letter state code" in refused.stderr
    missing = g287_changes(tmp_path)
    assert missing.returncode == 2 and "run `g287 build` first" in missing.stderr
