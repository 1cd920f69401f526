"""The pure parts of the Wayback backfill: CDX queries and answers, capture choice, names, the page's table."""

import html
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from g287_assets.lib.snapshots.filenames import parse_file_name
from g287_assets.lib.snapshots.xlsx import read_table
from g287_assets.lib.sources.wayback import (
    PAGE,
    SPREADSHEET,
    TABLE_HEADER,
    Capture,
    CaptureOutcome,
    agreement_rows,
    backfill_file_name,
    capture_url,
    cdx_queries,
    cdx_request_url,
    load_state,
    parse_cdx_json,
    save_state,
    select_captures,
    table_xlsx,
    wayback_digest,
)

FOLDER = "https://www.ice.gov/doclib/about/offices/ero/287g/"


def ice_page_html(rows: list[list[str]]) -> str:
    """A page laid out like ICE's 287(g) page before 2025: a heading, then the agreements as a table whose
    MOA cells are links."""
    header = "".join(f"<th>{name}</th>" for name in TABLE_HEADER)
    body = []
    for state, agency, support, signed, moa in rows:
        link = f'<a href="{html.escape(moa)}">MOA</a>' if moa else ""
        cells = "".join(f"<td>{html.escape(value)}</td>" for value in (state, agency, support, signed))
        body.append(f"<tr>{cells}<td>{link}</td></tr>")
    return (
        "<!DOCTYPE html><html><body><h1>Delegation of Immigration Authority Section 287(g)</h1>"
        f"<table><thead><tr>{header}</tr></thead><tbody>{''.join(body)}</tbody></table></body></html>"
    )


def html_era_rows(path: Path) -> list[list[str]]:
    """The rows of a web-page-era xlsx of the archive, in TABLE_HEADER order."""
    columns = ("state", "agency", "support_type", "signed", "moa")
    return [[row.cells[name] or "" for name in columns] for row in read_table(path).rows]


def capture(
    timestamp: str, original: str, digest: str, kind: str = SPREADSHEET, mimetype: str = ""
) -> Capture:
    return Capture(timestamp, original, digest, mimetype, kind)


def test_the_queries_cover_the_page_and_both_spreadsheet_folders() -> None:
    queries = {(q.url, q.kind, q.prefix, q.until) for q in cdx_queries()}
    assert queries == {
        ("www.ice.gov/identify-and-arrest/287g", PAGE, False, date(2025, 3, 1)),
        ("www.ice.gov/doclib/about/offices/ero/287g/", SPREADSHEET, True, None),
        ("www.ice.gov/file-download/download/public/", SPREADSHEET, True, None),
    }


def test_a_cdx_request_asks_for_json_of_distinct_successful_captures() -> None:
    folder = cdx_queries()[1]
    url = cdx_request_url("https://web.archive.org", folder, date(2025, 2, 1), resume_key="abc 1")
    parts = urlsplit(url)
    params = parse_qs(parts.query)
    assert (parts.netloc, parts.path) == ("web.archive.org", "/cdx/search/cdx")
    assert params["url"] == ["www.ice.gov/doclib/about/offices/ero/287g/"]
    assert params["matchType"] == ["prefix"]
    assert params["output"] == ["json"]
    assert params["filter"] == ["statuscode:200"]
    assert params["collapse"] == ["digest"]
    assert params["from"] == ["20250201"]
    assert params["resumeKey"] == ["abc 1"]
    assert "to" not in params
    assert parse_qs(urlsplit(cdx_request_url("https://web.archive.org", cdx_queries()[0], None)).query)[
        "to"
    ] == ["20250301"]


def test_a_cdx_answer_gives_its_captures_and_resume_key() -> None:
    answer = json.dumps(
        [
            ["timestamp", "original", "statuscode", "mimetype", "digest", "length"],
            ["20250221214937", FOLDER + "participatingAgencies.xlsx", "200", "application/x", "AAA", "100"],
            ["20250222170855", FOLDER + "participatingAgencies.xlsx", "200", "application/x", "BBB", "101"],
            [],
            ["gov,ice)/doclib 20250222170855"],
        ]
    )
    captures, resume_key = parse_cdx_json(answer, SPREADSHEET)
    assert [(c.timestamp, c.digest, c.kind) for c in captures] == [
        ("20250221214937", "AAA", SPREADSHEET),
        ("20250222170855", "BBB", SPREADSHEET),
    ]
    assert resume_key == "gov,ice)/doclib 20250222170855"
    assert captures[0].captured_at == datetime(2025, 2, 21, 21, 49, 37, tzinfo=UTC)
    assert parse_cdx_json("[]", PAGE) == ([], None)
    assert parse_cdx_json("", PAGE) == ([], None)


def test_selection_keeps_the_earliest_capture_of_each_new_list_content() -> None:
    listed = [
        capture("20250227104329", FOLDER + "participatingAgencies.xlsx", "SAME"),
        capture("20250226183301", FOLDER + "participatingAgencies.xlsx", "SAME"),
        capture("20250301180751", FOLDER + "participatingAgencies.xlsx", "KNOWN"),
        capture("20250306000000", FOLDER + "287g_MOA_template.pdf", "PDF", mimetype="application/pdf"),
        capture(
            "20260916000000", "https://www.ice.gov/file-download/download/public/12345", "ID", mimetype=""
        ),
        capture(
            "20260917000000",
            "https://www.ice.gov/file-download/download/public/67890",
            "TYPED",
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        capture(
            "20250401000000", FOLDER + "pendingAgencies04012025am.xlsx", "ERRORPAGE", mimetype="text/html"
        ),
        capture("20250119192356", "https://www.ice.gov/identify-and-arrest/287g", "PAGE1", PAGE),
        capture("20250305000000", "https://www.ice.gov/identify-and-arrest/287g", "PAGE2", PAGE),
    ]
    chosen = select_captures(listed, None, known_digests={"KNOWN"})
    assert [(c.timestamp, c.digest) for c in chosen] == [
        ("20250119192356", "PAGE1"),
        ("20250226183301", "SAME"),
        ("20250401000000", "ERRORPAGE"),
        ("20260917000000", "TYPED"),
    ]
    assert [c.digest for c in select_captures(listed, date(2025, 3, 1), set())] == [
        "KNOWN",
        "ERRORPAGE",
        "TYPED",
    ]


@pytest.mark.parametrize(
    ("original", "kind", "expected_name", "named_date", "label"),
    [
        (
            FOLDER + "participatingAgencies.xlsx",
            SPREADSHEET,
            "participatingAgencies-20250221214937.xlsx",
            "2025-02-21",
            "wb214937",
        ),
        (
            FOLDER + "pendingAgencies.xlsx",
            SPREADSHEET,
            "pendingAgencies-20250221214937.xlsx",
            "2025-02-21",
            "wb214937",
        ),
        (
            FOLDER + "participatingAgencies03062025am.xlsx",
            SPREADSHEET,
            "participatingAgencies03062025am-20250221214937.xlsx",
            "2025-03-06",
            "am",
        ),
        (
            "https://www.ice.gov/file-download/download/public/287gParticipatingAgencies091526pm.xlsx",
            SPREADSHEET,
            "287gParticipatingAgencies091526pm-20250221214937.xlsx",
            "2026-09-15",
            "pm",
        ),
        (
            "https://www.ice.gov/file-download/download/public/12345",
            SPREADSHEET,
            "wayback-20250221214937-12345.xlsx",
            "2025-02-21",
            "wb214937",
        ),
        (
            "https://www.ice.gov/identify-and-arrest/287g",
            PAGE,
            "ParticipatingEntities-20250221214937.xlsx",
            "2025-02-21",
            "wb214937",
        ),
    ],
)
def test_backfill_names_carry_the_capture_time_and_keep_ice_dates(
    original: str, kind: str, expected_name: str, named_date: str, label: str
) -> None:
    name = backfill_file_name(capture("20250221214937", original, "D", kind))
    info = parse_file_name(name, today=date(2026, 12, 1))
    assert name == expected_name
    assert (info.named_date.isoformat(), info.label) == (named_date, label)


def test_capture_urls_ask_for_the_original_bytes() -> None:
    wanted = capture("20250221214937", FOLDER + "participatingAgencies.xlsx", "D")
    assert capture_url("https://web.archive.org", wanted) == (
        "https://web.archive.org/web/20250221214937id_/" + FOLDER + "participatingAgencies.xlsx"
    )


def test_wayback_digest_is_base32_sha1() -> None:
    assert wayback_digest(b"") == "3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ"


def test_page_tables_are_read_with_absolute_moa_links_and_loose_html() -> None:
    page = """<html><body><p>Intro <a href="/about">about</a></p>
      <table><tr><td>STATE<td>LAW ENFORCEMENT AGENCY<td>SUPPORT TYPE<td>SIGNED<td>MOA
      <tr><td>ALABAMA<td> Etowah County  Sheriff&#39;s Office <td>Jail Enforcement Model<td>2020-06-09
          <td><a href="/doclib/287gMOA/etowah.pdf">MOA</a>
      <tr><td><td><td><td><td>
      <tr><td>STATE<td>LAW ENFORCEMENT AGENCY<td>SUPPORT TYPE<td>SIGNED<td>MOA
      <tr><td>TEXAS<td>Harris County Sheriff's Office<td>Warrant Service Officer<td>2020-01-01<td>link pending
      </table></body></html>"""
    assert agreement_rows(page, "https://www.ice.gov/identify-and-arrest/287g") == [
        [
            "ALABAMA",
            "Etowah County Sheriff's Office",
            "Jail Enforcement Model",
            "2020-06-09",
            "https://www.ice.gov/doclib/287gMOA/etowah.pdf",
        ],
        ["TEXAS", "Harris County Sheriff's Office", "Warrant Service Officer", "2020-01-01", "link pending"],
    ]


def test_a_page_without_the_table_has_no_rows() -> None:
    page = "<html><body><table><tr><th>Year</th><th>Removals</th></tr><tr><td>2020</td></tr></table></body></html>"
    assert agreement_rows(page, "https://www.ice.gov/") is None
    assert agreement_rows("<html><body>moved</body></html>", "https://www.ice.gov/") is None


def test_table_xlsx_is_an_h1_list_that_keeps_every_value_as_text(tmp_path: Path) -> None:
    path = tmp_path / "ParticipatingEntities-20250119192356.xlsx"
    path.write_bytes(table_xlsx([["TEXAS", '=HYPERLINK("x")', "Task Force Model", "2025-02-01", ""]]))
    table = read_table(path)
    assert (table.header_code, len(table.rows)) == ("H1", 1)
    assert table.rows[0].cells["agency"] == '=HYPERLINK("x")'
    assert table.rows[0].cells["moa"] is None


def test_a_real_page_era_table_survives_html_and_back(source_mirror: Path, tmp_path: Path) -> None:
    original = source_mirror / "ice" / "html_era" / "ParticipatingEntities_html_2025-02-19_wb163339.xlsx"
    rows = html_era_rows(original)
    parsed = agreement_rows(ice_page_html(rows), "https://www.ice.gov/identify-and-arrest/287g")
    assert parsed == rows
    path = tmp_path / "ParticipatingEntities-20250219163339.xlsx"
    path.write_bytes(table_xlsx(parsed))
    assert html_era_rows(path) == rows
    assert len(rows) == 145


def test_the_state_file_round_trips_and_is_replaced_whole(tmp_path: Path) -> None:
    path = tmp_path / "backfill" / "wayback-state.json"
    assert load_state(path) == {}
    state = {
        "AAA": CaptureOutcome(
            "20250221214937", FOLDER + "participatingAgencies.xlsx", "AAA", "saved", "p.xlsx", "ab"
        ),
        "BBB": CaptureOutcome("20250314000000", FOLDER + "x.xlsx", "BBB", "unavailable", reason="HTTP 404"),
    }
    save_state(path, state)
    assert load_state(path) == state
    assert [p.name for p in path.parent.iterdir()] == ["wayback-state.json"]
    assert json.load(io.StringIO(path.read_text()))["captures"][0]["digest"] == "AAA"
