"""Quality gates: which lists may drive history, and why the others may not.

A quarantined snapshot stays stored and visible with its reason; it simply never creates or hides a
change in history.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from g287_assets.lib.snapshots.filenames import parse_file_name

# A list that loses more than this share of its agreements at once, while its newest signing date goes
# backwards, is an old list re-published, not a wave of cancellations.
STALE_DROP_SHARE = 0.10


def alias_note(file_name: str, name_kind: str, snapshot_date: dt.date | None, list_kind: str) -> str | None:
    """What an alias's name misstates about its content: a later date, or the other list's kind."""
    notes = []
    named = parse_file_name(file_name).named_date
    if named is not None and snapshot_date is not None and named > snapshot_date:
        notes.append(
            f"stale re-publication: same bytes as the list of {snapshot_date.isoformat()} "
            f"under a name dated {named.isoformat()}"
        )
    if (
        name_kind in ("participating", "pending")
        and list_kind in ("participating", "pending")
        and name_kind != list_kind
    ):
        notes.append(f"swapped: named as the {name_kind} list but holds the {list_kind} list")
    return "; ".join(notes) or None


def assess_snapshots(facts: pd.DataFrame, overrides: pd.DataFrame) -> pd.DataFrame:
    """Status and reasons for every snapshot, deciding in date order within each list kind.

    facts: one row per snapshot with snapshot_key, sha256, snapshot_date, snapshot_at, content_kind,
    name_kind, data_rows, agreement_count, newest_signed, content_hash, date_usable, date_flag, read_error.
    """
    # Two uploads of one label (ICE re-used a name) keep the order they were registered in.
    facts = facts.sort_values(["snapshot_at", "import_seq"], na_position="last").reset_index(drop=True)
    overrides_by_sha = {row.sha256: row for row in overrides.itertuples()}
    statuses, reasons, kinds = [], [], []
    previous: dict[str, pd.Series] = {}  # newest usable snapshot of each kind
    seen_hashes: dict[tuple[str, str], pd.Series] = {}
    for _, snap in facts.iterrows():
        kind = snap.content_kind if isinstance(snap.content_kind, str) else "unknown"
        notes: list[str] = []
        quarantine = False
        if isinstance(snap.read_error, str):
            quarantine, notes = True, [f"unreadable: {snap.read_error}"]
        elif not snap.data_rows:
            quarantine = True
            notes.append("empty: the list has a header and no rows")
        if isinstance(snap.date_flag, str):
            notes.append(("misdated: " if not snap.date_usable else "misdated, repaired: ") + snap.date_flag)
            quarantine = quarantine or not snap.date_usable
        if (
            snap.name_kind in ("participating", "pending")
            and kind in ("participating", "pending")
            and snap.name_kind != kind
        ):
            notes.append(
                f"swapped: named as the {snap.name_kind} list but holds the {kind} list; filed as {kind}"
            )
        before = previous.get(kind)
        twin = seen_hashes.get((kind, snap.content_hash)) if isinstance(snap.content_hash, str) else None
        if not quarantine and twin is not None:
            if before is not None and before.content_hash == snap.content_hash:
                notes.append(f"unchanged: same agreements as {before.snapshot_key}")
            else:
                quarantine = True
                notes.append(
                    f"republished: same agreements as the list of {_day(twin.snapshot_date)} "
                    f"({twin.snapshot_key}), after newer lists"
                )
        if not quarantine and kind == "participating" and before is not None and _is_stale(snap, before):
            quarantine = True
            notes.append(
                f"stale: {snap.agreement_count} agreements against {before.agreement_count} in {before.snapshot_key}, "
                f"and the newest signing date goes back from {before.newest_signed} to {snap.newest_signed}"
            )
        status = "quarantined" if quarantine else "usable"
        override = overrides_by_sha.get(snap.sha256)
        if override is not None and override.status:
            status = override.status
            notes.append(f"override: {override.reason}")
        if status == "usable":
            previous[kind] = snap
            if isinstance(snap.content_hash, str):
                seen_hashes.setdefault((kind, snap.content_hash), snap)
        statuses.append(status)
        reasons.append("; ".join(notes) or None)
        kinds.append(kind)
    return facts.assign(status=statuses, quality_reason=reasons, list_kind=kinds)


def _day(value) -> str:
    return pd.Timestamp(value).date().isoformat() if pd.notna(value) else "unknown date"


def _is_stale(snap: pd.Series, before: pd.Series) -> bool:
    if pd.isna(snap.newest_signed) or pd.isna(before.newest_signed):
        return False
    dropped = snap.agreement_count < (1 - STALE_DROP_SHARE) * before.agreement_count
    return bool(dropped and snap.newest_signed < before.newest_signed)


def annotate_aliases(con) -> None:
    """Note on each alias what its name misstates: a later date (an old list re-published) or the kind."""
    aliases = con.execute(
        "SELECT i.sha256, i.file_name, i.source_path, i.name_kind, s.snapshot_date, s.list_kind "
        "FROM raw.file_imports i JOIN raw.snapshots s USING (snapshot_key) WHERE i.outcome = 'alias'"
    ).fetchall()
    for sha256, file_name, source_path, name_kind, snapshot_date, list_kind in aliases:
        note = alias_note(file_name, name_kind, snapshot_date, list_kind)
        if note:
            con.execute(
                "UPDATE raw.file_imports SET alias_note = ? WHERE sha256 = ? AND source_path = ?",
                [note, sha256, source_path],
            )
