"""Feeds of what changed, to subscribe to: Atom 1.0 and JSON Feed 1.1, for the whole program and per state.

One entry per usable list that changed something (for the feed's state), newest first, the last MAX_LISTS
lists at most. An entry's id is derived from the feed and the list's snapshot key, so it never changes from
one build to the next and a state feed's entry is not mistaken for the national one's. Its `updated` is the
list's moment, and the feed's is its newest entry's, so a rebuild with nothing new changes no date.
Names and links are data: they are escaped once into the entry's HTML, which each format escapes again as
its text, and characters XML cannot hold are dropped.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import duckdb

from g287_assets.lib.files import write_atomically
from g287_assets.lib.history.changes import ListChanges, read_changes, states_with_changes, what_changed

FEEDS_FOLDER = "feeds"
MAX_LISTS = 200
ATOM = "http://www.w3.org/2005/Atom"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
AUTHOR = "g287, from ICE's published lists of 287(g) agreements"
# A name-based UUID namespace of the project's own, so ids are URNs that need no domain of ours.
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "g287:changes")
# XML 1.0 allows tab, newline and carriage return, and nothing else below the space.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
ET.register_namespace("", ATOM)  # Atom as the default namespace: <feed xmlns="...">, not <ns0:feed>


@dataclass(frozen=True)
class Feed:
    """The changes of the whole program (state None) or of one state's agencies."""

    state: str | None
    lists: list[ListChanges]

    @property
    def stem(self) -> str:
        return "changes" if self.state is None else f"changes-{self.state}"

    @property
    def title(self) -> str:
        where = "" if self.state is None else f" in {self.state}"
        return f"287(g) agreements{where}: what changed in ICE's lists"

    @property
    def feed_id(self) -> str:
        return uuid.uuid5(ID_NAMESPACE, self.stem).urn

    def entry_id(self, item: ListChanges) -> str:
        return uuid.uuid5(ID_NAMESPACE, f"{self.stem}/{item.snapshot_key}").urn

    def updated(self, fallback: dt.datetime) -> dt.datetime:
        return self.lists[0].snapshot_at if self.lists else fallback


def read_feeds(con: duckdb.DuckDBPyConnection) -> list[Feed]:
    """The national feed, then one per state with at least one change."""
    national = Feed(None, read_changes(con, lists=MAX_LISTS))
    states = [
        Feed(state, read_changes(con, lists=MAX_LISTS, state=state)) for state in states_with_changes(con)
    ]
    return [national, *states]


# ---- the entry's words ------------------------------------------------------------------------------------------


def xml_text(value) -> str:
    return NOT_XML.sub("", str(value))


def escaped(value, quote: bool = False) -> str:
    """A value as HTML text (quotes escaped only in attributes, so "Sheriff's" stays legible in the XML),
    without the characters XML cannot hold (in both formats, so they agree)."""
    return html.escape(xml_text(value), quote=quote)


def rfc3339(moment: dt.datetime) -> str:
    """A moment as RFC 3339 in UTC. A list's moment is its date and a nominal hour from its am/mid/pm label,
    kept as written (ICE gives no time zone), so the feeds show the same moment as the database."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def entry_title(item: ListChanges, state: str | None) -> str:
    where = "" if state is None else f" ({state})"
    return f"ICE's list of {item.snapshot_date:%Y-%m-%d}{where}: {item.summary()}"


def change_html(change: dict) -> str:
    """One change as an HTML list item, every value escaped."""
    text = escaped
    signed = change["signed_date"].isoformat() if change["signed_date"] else "date unknown"
    parts = [
        f"<strong>{text(what_changed(change)).capitalize()}</strong>: "
        f"{text(change['agency_name'])} ({text(change['state_code'])}), {text(change['model'])}, signed {signed}"
    ]
    if change["field"] is not None:
        parts.append(f"from “{text(change['old_value'] or '')}” to “{text(change['new_value'] or '')}”")
    if change["moa_link"]:
        parts.append(f'<a href="{escaped(change["moa_link"], quote=True)}">MOA</a>')
    return "<li>" + " · ".join(parts) + "</li>"


def entry_html(item: ListChanges) -> str:
    return (
        f"<p>ICE's list of {item.snapshot_date:%Y-%m-%d} compared with its list of "
        f"{item.previous_snapshot_date:%Y-%m-%d}: {escaped(item.summary())}.</p>\n"
        "<ul>\n" + "\n".join(change_html(change) for change in item.changes) + "\n</ul>"
    )


# ---- the two formats --------------------------------------------------------------------------------------------


def atom_document(feed: Feed, self_url: str, json_url: str, fallback_updated: dt.datetime) -> bytes:
    root = ET.Element(f"{{{ATOM}}}feed")

    def add(parent: ET.Element, name: str, text: str | None = None, **attributes) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{name}", attributes)
        if text is not None:
            element.text = xml_text(text)
        return element

    add(root, "id", feed.feed_id)
    add(root, "title", feed.title)
    add(root, "updated", rfc3339(feed.updated(fallback_updated)))
    add(add(root, "author"), "name", AUTHOR)
    add(root, "link", rel="self", type="application/atom+xml", href=self_url)
    add(root, "link", rel="alternate", type="application/feed+json", href=json_url)
    for item in feed.lists:
        entry = add(root, "entry")
        add(entry, "id", feed.entry_id(item))
        add(entry, "title", entry_title(item, feed.state))
        add(entry, "updated", rfc3339(item.snapshot_at))
        add(entry, "content", entry_html(item), type="html")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def json_feed(feed: Feed, self_url: str) -> dict:
    return {
        "version": JSON_FEED_VERSION,
        "title": feed.title,
        "feed_url": self_url,
        "description": "One item per ICE list that changed something: agreements added, ended, corrected.",
        "authors": [{"name": AUTHOR}],
        "language": "en",
        "items": [
            {
                "id": feed.entry_id(item),
                "title": entry_title(item, feed.state),
                "content_html": entry_html(item),
                "date_published": rfc3339(item.snapshot_at),
                "date_modified": rfc3339(item.snapshot_at),
                "tags": list(item.counts()),
            }
            for item in feed.lists
        ],
    }


# ---- writing ----------------------------------------------------------------------------------------------------


def feed_url(folder: Path, base_url: str | None, name: str) -> str:
    """Where a reader finds the file: under the public base URL when one is set, else the file itself."""
    if base_url:
        return f"{base_url.rstrip('/')}/{name}"
    return (folder / name).resolve().as_uri()


def write_feed(feed: Feed, folder: Path, base_url: str | None, fallback_updated: dt.datetime) -> list[Path]:
    atom_path, json_path = folder / f"{feed.stem}.atom", folder / f"{feed.stem}.json"
    atom_url, json_url = (
        feed_url(folder, base_url, atom_path.name),
        feed_url(folder, base_url, json_path.name),
    )
    atom = atom_document(feed, atom_url, json_url, fallback_updated)
    document = json.dumps(json_feed(feed, json_url), ensure_ascii=False, indent=1)
    write_atomically(atom_path, atom)
    write_atomically(json_path, document.encode("utf-8"))
    return [atom_path, json_path]


def remove_stale_feeds(folder: Path, written: list[Path]) -> list[Path]:
    """A state's feed that is no longer made (its changes were reviewed away) must not linger as if current."""
    stale = [
        path
        for path in folder.glob("changes*.*")
        if path.suffix in (".atom", ".json") and path not in written
    ]
    for path in stale:
        path.unlink()
    return stale


def write_feeds(
    feeds: list[Feed], folder: Path, base_url: str | None, fallback_updated: dt.datetime
) -> list[Path]:
    """Every feed in both formats, each file swapped in whole; returns the files written."""
    written = [path for feed in feeds for path in write_feed(feed, folder, base_url, fallback_updated)]
    remove_stale_feeds(folder, written)
    return written
