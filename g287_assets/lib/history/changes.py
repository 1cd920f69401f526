"""What changed from one usable list to the next, read from history.changes, newest list first.

One query serves the feeds, the `g287 changes` command, the Dagster UI and the report, so they cannot
disagree. A list appears only when it changed something (for the state asked, if one is); its changes come
with what a reader needs beside history.changes: the agency key (for links to the agency's record), the
moment of the list (to order lists of one day) and the MOA link.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb

# The order changes are told in, and the words of a list's summary ("13 agreements added, 2 ended").
EVENTS = {
    "added": "added",
    "ended": "ended",
    "reappeared": "listed again",
    "disappeared": "missing (listed again later)",
    "corrected": "corrected",
    "re-dated": "re-dated",
}
FIELD_WORDS = {
    "agency_name": "agency name",
    "state_code": "state",
    "county_name": "county",
    "level": "level",
    "signed_date": "signing date",
    "model": "model",
}

CHANGES_SQL = """
WITH
wanted AS (
    SELECT c.*, t.snapshot_at, a.agency_key, a.county_name,
        -- only a web link may become a link: a spreadsheet cell can hold any scheme
        CASE WHEN regexp_matches(a.moa_url, '^https?://', 'i') THEN a.moa_url END AS moa_link
    FROM history.changes AS c
    JOIN history.timeline AS t USING (snapshot_key)
    LEFT JOIN history.agreements AS a USING (agreement_id)
    WHERE ($state IS NULL OR c.state_code = $state) AND ($since IS NULL OR c.snapshot_date >= $since)
),
newest_lists AS (
    SELECT snapshot_key FROM wanted GROUP BY snapshot_key, snapshot_at
    ORDER BY snapshot_at DESC, snapshot_key DESC
    LIMIT $lists
)
SELECT snapshot_key, snapshot_date, snapshot_at, previous_snapshot_date, event, agreement_id, state_code,
    agency_name, agency_key, model, signed_date, level, county_name, field, old_value, new_value, moa_link
FROM wanted
WHERE snapshot_key IN (SELECT snapshot_key FROM newest_lists)
ORDER BY snapshot_at DESC, snapshot_key DESC, list_position($events, event), state_code, agency_name, model,
    field
"""
NO_LIMIT = 2**31 - 1
# The report opens with the newest lists that changed something.
REPORT_LISTS = 3


@dataclass(frozen=True)
class ListChanges:
    """One usable list and what it changed, in the order of EVENTS."""

    snapshot_key: str
    snapshot_date: dt.date
    snapshot_at: dt.datetime
    previous_snapshot_date: dt.date
    changes: tuple[dict, ...]

    def counts(self) -> dict[str, int]:
        """Agreements per kind of change; an agreement corrected in two fields counts once."""
        seen = {event: set() for event in EVENTS}
        for change in self.changes:
            seen[change["event"]].add(change["agreement_id"])
        return {event: len(ids) for event, ids in seen.items() if ids}

    def summary(self) -> str:
        """The counts in words, "13 agreements added, 2 ended, 1 corrected": the noun once, with the first."""
        parts = []
        for event, count in self.counts().items():
            noun = ("agreement " if count == 1 else "agreements ") if not parts else ""
            parts.append(f"{count:,} {noun}{EVENTS[event]}")
        return ", ".join(parts)


def read_changes(
    con: duckdb.DuckDBPyConnection,
    lists: int | None = None,
    since: dt.date | None = None,
    state: str | None = None,
) -> list[ListChanges]:
    """The changes of the newest `lists` lists that changed something, of lists dated `since` or later, and
    of one state's agencies, newest list first; each argument left out does not filter."""
    if lists is not None and lists < 1:
        raise ValueError(f"lists must be at least 1, not {lists}")
    cursor = con.execute(
        CHANGES_SQL,
        {
            "state": state,
            "since": since,
            "lists": NO_LIMIT if lists is None else lists,
            "events": list(EVENTS),
        },
    )
    names = [column[0] for column in cursor.description]
    return grouped_by_list(dict(zip(names, row)) for row in cursor.fetchall())


def grouped_by_list(rows: Iterable[dict]) -> list[ListChanges]:
    """Rows ordered by list become one ListChanges per list, in the same order."""
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(row["snapshot_key"], []).append(row)
    return [
        ListChanges(
            snapshot_key=key,
            snapshot_date=changes[0]["snapshot_date"],
            snapshot_at=changes[0]["snapshot_at"],
            previous_snapshot_date=changes[0]["previous_snapshot_date"],
            changes=tuple(changes),
        )
        for key, changes in groups.items()
    ]


def states_with_changes(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        row[0] for row in con.execute("SELECT DISTINCT state_code FROM history.changes ORDER BY 1").fetchall()
    ]


# ---- words and links, the same everywhere ---------------------------------------------------------------------


def what_changed(change: dict) -> str:
    """The change in words: "added", or "agency name corrected" (the values before and after go beside it)."""
    if change["field"] is None:
        return EVENTS[change["event"]]
    return f"{FIELD_WORDS.get(change['field'], change['field'])} corrected"


def agency_slug(agency_key: str) -> str:
    """The agency part of a link to its record: the key lower-cased, spaces as hyphens."""
    return agency_key.lower().replace(" ", "-")


def agency_link(state_code: str, agency_key: str) -> str:
    """The report's deep link to an agency's record: `#agency=TX/harris-county-sheriffs-office`."""
    return f"#agency={state_code}/{agency_slug(agency_key)}"


def iso(value) -> str | None:
    return value.isoformat() if isinstance(value, dt.date) else value


def as_records(lists: list[ListChanges]) -> list[dict]:
    """Lists and their changes as plain JSON values (dates as ISO text), for pages and feeds."""
    return [
        {
            "snapshot_key": item.snapshot_key,
            "snapshot_date": iso(item.snapshot_date),
            "previous_snapshot_date": iso(item.previous_snapshot_date),
            "summary": item.summary(),
            "counts": item.counts(),
            "changes": [
                {
                    "event": change["event"],
                    "what": what_changed(change),
                    "state": change["state_code"],
                    "agency": change["agency_name"],
                    "agency_link": agency_link(change["state_code"], change["agency_key"]),
                    "model": change["model"],
                    "signed": iso(change["signed_date"]),
                    "from": change["old_value"],
                    "to": change["new_value"],
                    "moa": change["moa_link"],
                }
                for change in item.changes
            ],
        }
        for item in lists
    ]
