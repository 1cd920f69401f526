"""Marts on the real archive: today's agreements, county and state summaries that add up."""

import duckdb


def scalar(con: duckdb.DuckDBPyConnection, sql: str, parameters: list | None = None):
    return con.execute(sql, parameters or []).fetchone()[0]


def test_current_agreements_are_the_newest_list(published: duckdb.DuckDBPyConnection) -> None:
    rows, ids, dates = published.execute(
        "SELECT count(*), count(DISTINCT agreement_id), count(DISTINCT snapshot_date) FROM marts.current_agreements"
    ).fetchone()
    assert (rows, ids, dates) == (1843, 1843, 1)
    assert str(scalar(published, "SELECT max(snapshot_date) FROM marts.current_agreements")) == "2026-05-18"
    active = scalar(published, "SELECT count(*) FROM history.agreements WHERE status = 'active'")
    assert active == rows


def test_every_county_has_a_row(published: duckdb.DuckDBPyConnection) -> None:
    assert scalar(published, "SELECT count(*) FROM marts.county_summary") == 3144
    assert scalar(published, "SELECT count(*) FROM marts.county_summary WHERE county_fips LIKE '091%'") == 9


def test_florida_is_fully_covered_because_every_sheriff_signed(published: duckdb.DuckDBPyConnection) -> None:
    sheriffs_signed = scalar(
        published,
        "SELECT count(DISTINCT county_fips) FROM marts.current_agreements "
        "WHERE state_code = 'FL' AND jurisdiction_level = 'county'",
    )
    assert sheriffs_signed == 67
    covered, population = published.execute(
        "SELECT population_covered, population FROM marts.state_summary WHERE state_code = 'FL'"
    ).fetchone()
    assert covered == population == 23372215


def test_a_city_inside_a_covered_county_is_counted_once(published: duckdb.DuckDBPyConnection) -> None:
    # Palm Beach County: the sheriff and many city police departments hold agreements.
    county = published.execute(
        "SELECT agreements, population, population_covered FROM marts.county_summary WHERE county_fips = '12099'"
    ).fetchone()
    listed = scalar(
        published,
        "SELECT count(*) FROM marts.current_agreements WHERE county_fips = '12099' "
        "AND jurisdiction_level IN ('county', 'place', 'county_subdivision')",
    )
    assert county[0] == listed == 21
    assert county[2] == county[1]


def test_summaries_add_up(published: duckdb.DuckDBPyConnection) -> None:
    over = scalar(
        published, "SELECT count(*) FROM marts.county_summary WHERE population_covered > population"
    )
    assert over == 0
    by_state = published.execute(
        """
        SELECT s.state_code, s.agreements, count(c.agreement_id)
        FROM marts.state_summary s LEFT JOIN marts.current_agreements c USING (state_code)
        GROUP BY ALL HAVING s.agreements <> count(c.agreement_id)
        """
    ).fetchall()
    assert by_state == []
    texas = published.execute(
        "SELECT agreements, jem, wso, tfm FROM marts.state_summary WHERE state_code = 'TX'"
    ).fetchone()
    assert texas[0] == texas[1] + texas[2] + texas[3]
    assert (
        texas
        == published.execute(
            "SELECT count(*), count(*) FILTER (WHERE model = 'JEM'), count(*) FILTER (WHERE model = 'WSO'), "
            "count(*) FILTER (WHERE model = 'TFM') FROM clean.agreements a JOIN raw.snapshots s USING (snapshot_key) "
            "WHERE s.file_name = 'participatingAgencies_2026-05-18_am.xlsx' AND a.state_code = 'TX'"
        ).fetchone()
    )
