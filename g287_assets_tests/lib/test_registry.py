"""Registration: one snapshot per content, aliases, rejections with reasons, an append-only verified archive."""

import json
import shutil
from pathlib import Path

import pytest

from g287_assets.lib.snapshots.registry import (
    ArchiveError,
    archived_path,
    load_imports,
    read_archived,
    register_folder,
    snapshot_key_for,
)
from g287_assets_tests.workbooks import agreement, write_workbook


def test_same_bytes_under_another_name_is_an_alias(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    first = write_workbook(
        inbox / "participatingAgencies03062025am.xlsx", [agreement("A County Sheriff's Office")]
    )
    shutil.copy(first, inbox / "participatingAgencies04212025am.xlsx")
    records = register_folder(inbox, tmp_path / "archive")
    assert [r.outcome for r in records] == ["snapshot", "alias"]
    assert records[0].snapshot_key == records[1].snapshot_key
    assert records[0].snapshot_key.startswith("2025-03-06_am_")
    assert archived_path(tmp_path / "archive", records[0].sha256).is_file()


def test_reimporting_the_same_folder_changes_nothing(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    write_workbook(inbox / "participatingAgencies03062025am.xlsx", [agreement("A County Sheriff's Office")])
    assert len(register_folder(inbox, tmp_path / "archive")) == 1
    manifest = (tmp_path / "archive" / "imports.jsonl").read_bytes()
    assert register_folder(inbox, tmp_path / "archive") == []
    assert (tmp_path / "archive" / "imports.jsonl").read_bytes() == manifest


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        (
            "participatingAgencies03092026am.xlsx",
            b"<!DOCTYPE html><html><body>Error</body></html>",
            "content looks like html",
        ),
        ("agreements.csv", b"date,state,agency\n2025-05-16,TX,X\n", "content looks like csv"),
        ("empty.xlsx", b"", "content looks like empty"),
        ("truncated.xlsx", b"PK\x03\x04\x14\x00\x00\x00garbage", "not an xlsx workbook"),
    ],
)
def test_files_that_are_not_lists_are_rejected_with_the_reason(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / name).write_bytes(content)
    (record,) = register_folder(inbox, tmp_path / "archive")
    assert record.outcome == "rejected"
    assert reason in record.reason
    assert not list((tmp_path / "archive").glob("*/*.xlsx"))


def test_another_projects_table_is_rejected(source_mirror: Path, tmp_path: Path) -> None:
    records = register_folder(source_mirror / "ice" / "derived", tmp_path / "archive")
    assert len(records) == 4
    assert {r.outcome for r in records} == {"rejected"}
    cumulative = next(
        r
        for r in records
        if r.file_name.startswith("RelevantResearch_cumulative_participating_status_2026-03-09")
    )
    assert "unknown columns" in cumulative.reason and "EXTRACTED LINK" in cumulative.reason


def test_sidecar_provenance_is_recorded(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    path = write_workbook(inbox / "participatingAgencies.xlsx", [agreement("A County Sheriff's Office")])
    sidecar = {"url": "https://www.ice.gov/doclib/x.xlsx", "fetched_at": "2026-03-10T14:00:00+00:00"}
    (inbox / "participatingAgencies.xlsx.json").write_text(json.dumps(sidecar))
    (record,) = register_folder(inbox, tmp_path / "archive")
    assert record.sidecar["url"] == sidecar["url"]
    assert record.snapshot_key.startswith("undated_nolabel_")
    assert path.exists()


def test_a_damaged_archive_file_is_detected_on_read(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    write_workbook(inbox / "participatingAgencies03062025am.xlsx", [agreement("A County Sheriff's Office")])
    (record,) = register_folder(inbox, tmp_path / "archive")
    assert read_archived(tmp_path / "archive", record.sha256).is_file()
    stored = archived_path(tmp_path / "archive", record.sha256)
    stored.write_bytes(stored.read_bytes() + b"x")
    with pytest.raises(ArchiveError, match="damaged"):
        read_archived(tmp_path / "archive", record.sha256)


def test_keys_keep_the_label_so_two_lists_of_a_day_differ() -> None:
    am = snapshot_key_for("participatingAgencies12042025pm.xlsx", "a" * 64)
    pm2 = snapshot_key_for("participatingAgencies12042025pm2.xlsx", "b" * 64)
    assert (am, pm2) == ("2025-12-04_pm_aaaaaaaa", "2025-12-04_pm2_bbbbbbbb")


def test_the_whole_mirror_registers_as_documented(source_mirror: Path, tmp_path: Path) -> None:
    records = register_folder(source_mirror / "ice", tmp_path / "archive")
    outcomes = [r.outcome for r in records]
    assert outcomes.count("snapshot") == 500
    # The full participating list ICE published under the pending name on 2025-09-22 pm has the same
    # bytes as a participating list already registered.
    assert outcomes.count("alias") == 1
    assert outcomes.count("rejected") == 5
    assert len(load_imports(tmp_path / "archive")) == len(records)
