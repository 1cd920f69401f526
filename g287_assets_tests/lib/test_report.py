"""The report page on a tiny database: escaping of hostile names, embedded counts, offline-only resources."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from markupsafe import escape

from g287_assets.lib.outputs import report, report_model
from g287_assets.lib.settings import PROJECT_ROOT, Paths
from g287_assets.lib.warehouse import catalog

HOSTILE = "Evil </script><script>alert(1)</script> Sheriff's Office"
TABLES = [
    catalog.CURRENT_AGREEMENTS,
    catalog.COUNTY_SUMMARY,
    catalog.STATE_SUMMARY,
    catalog.HISTORY_TIMELINE,
    catalog.HISTORY_CANCELLATIONS,
    catalog.HISTORY_CHANGES,
    catalog.SCENARIO_DEFINITIONS,
    catalog.SCENARIO_RESULTS,
    catalog.SNAPSHOTS,
    catalog.USABLE_PARTICIPATING_LISTS,
    catalog.CLEAN_AGREEMENTS,
    catalog.GEO_STATES,
    catalog.GEO_COUNTIES,
    catalog.GEO_PLACES,
    catalog.GEO_PLACE_COUNTY_PARTS,
    catalog.AGENCY_JURISDICTIONS,
    catalog.AGENCY_COUNTIES,
    catalog.HISTORY_AGREEMENTS,
    catalog.HISTORY_GAPS,
    catalog.HISTORY_LINKS,
]
SHA = "ab" * 32


def insert(con: duckdb.DuckDBPyConnection, table: str, row: dict) -> None:
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    con.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(row.values()))


def agreement(name: str, model: str, key: str, **extra) -> dict:
    return {
        "snapshot_key": "2026-05-18_am_f2d0629e",
        "snapshot_date": dt.date(2026, 5, 18),
        "state_code": "TX",
        "agency_name": name,
        "agency_key": key,
        "county_name": "Travis County",
        "level": "county",
        "model": model,
        "signed_date": dt.date(2025, 3, 1),
        "first_seen_date": dt.date(2025, 3, 3),
        "population": 1_300_000,
        "county_fips": "48453",
        **extra,
    }


@pytest.fixture(scope="module")
def tiny() -> duckdb.DuckDBPyConnection:
    """One state, two agencies (one named with markup), three agreements, one cancellation, one fix."""
    con = duckdb.connect()
    for table in TABLES:
        for statement in catalog.create_statements(table):
            con.execute(statement)
    con.execute(
        "CREATE VIEW history.cancellations_since_tracking_start AS "
        "SELECT * FROM history.cancellations WHERE ended_date > DATE '2025-12-08'"
    )
    insert(con, "marts.current_agreements", agreement(HOSTILE, "TFM", "evil", moa_url="javascript:alert(1)"))
    insert(con, "marts.current_agreements", agreement(HOSTILE, "JEM", "evil"))
    insert(con, "marts.current_agreements", agreement("Travis County Sheriff's Office", "TFM", "travis"))
    insert(
        con,
        "marts.county_summary",
        {"county_fips": "48453", "county_name": "Travis County", "state_code": "TX", "agreements": 3},
    )
    insert(
        con,
        "marts.state_summary",
        {"state_code": "TX", "state_name": "Texas", "agreements": 3, "agencies": 2, "share_covered": 0.5},
    )
    for day, count in ((dt.date(2025, 2, 21), 1), (dt.date(2026, 5, 18), 3)):
        insert(
            con,
            "history.timeline",
            {
                "snapshot_date": day,
                "snapshot_key": f"{day}_am",
                "snapshot_at": dt.datetime.combine(day, dt.time(9)),
                "agreements": count,
                "agencies": count,
                "jem": 0,
                "wso": 0,
                "tfm": count,
            },
        )
    for ended in (dt.date(2025, 6, 1), dt.date(2026, 1, 5)):
        insert(
            con,
            "history.cancellations",
            {
                "agreement_id": f"gone-{ended}",
                "state_code": "TX",
                "agency_name": HOSTILE,
                "agency_key": "evil",
                "model": "WSO",
                "last_seen_date": ended - dt.timedelta(days=3),
                "ended_date": ended,
            },
        )
    insert(
        con,
        "history.changes",
        {
            "snapshot_date": dt.date(2025, 4, 1),
            "event": "corrected",
            "state_code": "TX",
            "agency_name": HOSTILE,
            "model": "TFM",
            "field": "agency_name",
            "old_value": "Evil Sherif",
            "new_value": HOSTILE,
            "link_method": "automatic",
            "link_score": 93.0,
        },
    )
    insert(
        con,
        "scenarios.definitions",
        {
            "scenario": "texas_ban",
            "title": "Texas bans 287(g)",
            "description": "Texas <b>bans</b> 287(g).",
            "status": "ran",
            "operations": "1. end: states TX",
        },
    )
    insert(
        con,
        "scenarios.definitions",
        {
            "scenario": "before_the_archive",
            "title": "The program in 2001",
            "description": "The program before ICE's first list.",
            "status": "not_applicable",
            "status_reason": "no usable participating list on or before 2001-01-01",
            "operations": "1. as_of 2001-01-01",
        },
    )
    insert(con, "scenarios.results", {"scenario": "texas_ban", "agreements": 0, "delta_agreements": -3})
    insert(
        con,
        "scenarios.results",
        {"scenario": "texas_ban", "state_code": "TX", "agreements": 0, "delta_agreements": -3},
    )
    insert(
        con,
        "raw.snapshots",
        {
            "snapshot_key": "k",
            "snapshot_date": dt.date(2026, 5, 18),
            "snapshot_at": dt.datetime(2026, 5, 18, 9),
            "sha256": SHA,
            "status": "usable",
            "list_kind": "participating",
        },
    )
    insert(con, "geo.states", {"state_code": "TX", "state_name": "Texas", "population": 31_000_000})
    insert(
        con,
        "geo.counties",
        {"county_fips": "48453", "state_code": "TX", "county_name": "Travis County", "population": 1_300_000},
    )
    for key, name, level in (
        ("EVIL", HOSTILE, "county"),
        ("TRAVIS COUNTY SHERIFFS OFFICE", "Travis County Sheriff's Office", "county"),
    ):
        insert(
            con,
            "geo.agency_jurisdictions",
            {
                "state_code": "TX",
                "agency_key": key,
                "agency_name": name,
                "jurisdiction_level": level,
                "county_fips": "48453",
                "population": 1_300_000,
                "ice_level": "county",
                "match_method": "county name",
            },
        )
    for model, key, name in (
        ("TFM", "EVIL", HOSTILE),
        ("JEM", "EVIL", HOSTILE),
        ("TFM", "TRAVIS COUNTY SHERIFFS OFFICE", "Travis County Sheriff's Office"),
    ):
        insert(
            con,
            "history.agreements",
            {
                "agreement_id": f"{key}-{model}",
                "state_code": "TX",
                "agency_key": key,
                "agency_name": name,
                "model": model,
                "status": "active",
                "first_snapshot_key": "k",
                "last_snapshot_key": "k",
                "moa_url": "javascript:alert(1)" if model == "TFM" and key == "EVIL" else None,
            },
        )
    yield con
    con.close()


@pytest.fixture(scope="module")
def page(tiny, tmp_path_factory: pytest.TempPathFactory) -> str:
    paths = Paths(data_dir=tmp_path_factory.mktemp("data"), reference_dir=PROJECT_ROOT / "data" / "reference")
    content = report.read_report(tiny, None, paths)
    return report.render_report(content, dt.datetime(2026, 5, 18, 12, tzinfo=dt.UTC))


def test_a_name_holding_markup_stays_text(page: str) -> None:
    assert "<script>alert(1)" not in page
    assert page.lower().count("<script") == 3  # the data, the chart library, the page's own script
    assert str(escape(HOSTILE)) in page  # the corrections table, escaped by Jinja
    data = report.embedded_data(page)
    assert {row["agency"] for row in data["agreements"]} == {HOSTILE, "Travis County Sheriff's Office"}
    assert "<b>bans</b>" not in page and "Texas &lt;b&gt;bans&lt;/b&gt; 287(g)." in page


def test_embedded_counts_are_the_tables(page: str, tiny) -> None:
    data = report.embedded_data(page)
    assert data["totals"] == {"agreements": 3, "agencies": 2, "cancellations_since_tracking_start": 1}
    assert len(data["cancellations"]) == 2
    assert data["list_date"] == "2026-05-18"
    assert 'id="figure-agreements">3<' in page and 'id="figure-agencies">2<' in page


def test_only_web_links_are_links(page: str) -> None:
    moas = {
        row["model"]: row["moa"]
        for row in report.embedded_data(page)["agreements"]
        if row["agency_key"] == "evil"
    }
    assert moas == {"TFM": None, "JEM": None}
    assert report.web_link("https://www.ice.gov/doclib/x.pdf") == "https://www.ice.gov/doclib/x.pdf"
    assert report.web_link("JavaScript:alert(1)") is None


def test_every_file_hash_is_in_about(page: str) -> None:
    assert SHA in page[page.index('id="about"') :]


def test_the_page_is_self_contained(page: str) -> None:
    assert report.external_resources(page) == []
    assert "vegaEmbed" in page and "</html>" in page


def test_resources_from_the_network_are_found() -> None:
    fetching = [
        '<script src="https://cdn.example/vega.js"></script>',
        "<link rel=stylesheet href='//fonts.example/css'>",
        "<style>@import url(https://fonts.example/a.css);</style>",
        "<style>@font-face { src: url('http://fonts.example/a.woff2') }</style>",
    ]
    for markup in fetching:
        assert report.external_resources(markup), markup
    assert report.external_resources('<a href="https://www.ice.gov/doclib/287g/moa.pdf">MOA</a>') == []


def test_inlined_scripts_cannot_close_their_element() -> None:
    assert str(report.inline_script("let s = '</script>';")) == "let s = '<\\/script>';"
    with pytest.raises(ValueError):
        report.inline_script("let s = '<!--';")


def test_values_become_plain_json() -> None:
    assert report_model.json_value(dt.date(2025, 12, 8)) == "2025-12-08"
    assert report_model.json_value(float("nan")) is None
    assert report.whole_number(1843) == "1,843" and report.signed_number(-9) == "-9"
    assert report.percent(0.655) == "65.5%"


def test_without_chromium_there_is_no_screenshot(tmp_path) -> None:
    assert not report.chromium_screenshot(tmp_path / "index.html", tmp_path / "shot.png", tmp_path / "none")


def test_a_preset_that_did_not_run_shows_why(page: str) -> None:
    article = page[page.index('id="scenario-before_the_archive"') :]
    article = article[: article.index("</article>")]
    assert "The program in 2001" in article
    assert "Not run on this history: no usable participating list on or before 2001-01-01" in article
    assert "By state" not in article and "load-preset" not in article
    assert ">Texas bans 287(g)</h3>" in page


def test_the_model_holds_each_agency_and_agreement_once(page: str) -> None:
    """The simulator's data: the listed agencies (a key travels only when its name does not give it) and the
    history rows with the positions of their lists; the markup in a name stays text in the JSON."""
    model = report.embedded_data(page)["model"]
    agencies = model["agencies"]
    assert sorted(agencies["agency_name"]) == sorted([HOSTILE, "Travis County Sheriff's Office"])
    keys = dict(zip(agencies["agency_name"], agencies["key"], strict=True))
    assert keys == {HOSTILE: "EVIL", "Travis County Sheriff's Office": None}
    assert model["seats"]["agency_name"] == []  # Travis County's sheriff is listed: no Census seat for it
    assert model["lists"] == {"snapshot_key": ["k"], "snapshot_date": ["2026-05-18"]}
    history = model["history"]
    assert sorted(history["agreement_id"]) == ["EVIL-JEM", "EVIL-TFM", "TRAVIS COUNTY SHERIFFS OFFICE-TFM"]
    assert set(history["first"]) == set(history["last"]) == {0}
    assert history["moa_url"] == [None, None, None]  # javascript: is never a link
    assert "<script>alert(1)" not in page


def test_the_cancellations_axis_ends_on_a_label_above_the_tallest_month(tiny) -> None:
    assert [report.axis_top(h) for h in (1, 7, 9, 13, 17, 41, 99, 101, 1843)] == [
        1,
        7,
        10,
        14,
        20,
        50,
        100,
        120,
        2000,
    ]
    spec = report.cancellations_spec(tiny)
    assert spec["layer"][0]["encoding"]["y"]["scale"] == {"domain": [0, 1], "nice": False}
