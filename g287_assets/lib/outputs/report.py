"""The report: one self-contained HTML page that readers open from disk, offline, without DuckDB.

Every figure on the page is read from a published table (marts, history, scenarios, raw.snapshots); nothing
is computed a second time here, so the page cannot disagree with the database. The page is rendered by
Jinja2 with autoescaping on, because agency names are data: a name holding markup must show as text. The
data the page filters and sorts is embedded as JSON in a <script> element with `<`, `>` and `&` escaped,
so no value can close the element. Vega, Vega-Lite and vega-embed (bundled by vl-convert) and the page's
own CSS and JavaScript are inlined, so the file loads nothing from the network.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import subprocess
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb
import jinja2
import pandas as pd
import vl_convert as vlc
from markupsafe import Markup

from g287_assets.lib.history import changes
from g287_assets.lib.outputs import charts, maps
from g287_assets.lib.outputs.report_model import preset_operations, records, simulator_data, web_link
from g287_assets.lib.scenarios.engine import scenario_folders, states_without_county_sheriffs
from g287_assets.lib.settings import Paths
from g287_assets.lib.vocabulary import LEVELS, MODELS

REPORT_FOLDER = "report"
REPORT_FILE = "index.html"
SCREENSHOT_FILE = "screenshot.png"
TEMPLATES = "templates"
GROWTH_START = dt.date(2025, 1, 1)
TRACKING_START = charts.TRACKING_START
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT_WINDOW = (1280, 1800)
MODEL_WORDS = {
    "JEM": "Officers screen people already arrested and booked in a jail against immigration databases.",
    "WSO": "Officers serve ICE administrative warrants on people already in the agency's custody.",
    "TFM": (
        "Officers question and arrest people for civil immigration violations during routine policing "
        "(halted in 2012 over racial profiling, restarted in 2025)."
    ),
}


def report_path(data_dir: Path) -> Path:
    """data/report/index.html: beside the databases, not among the exports (it is a page, not a table)."""
    return data_dir / REPORT_FOLDER / REPORT_FILE


# ---- reading the published tables ----------------------------------------------------------------------------


def read_totals(con: duckdb.DuckDBPyConnection) -> dict:
    """Today's agreements and agencies (state plus agency key, as everywhere in g287) and the list's date."""
    return records(
        con,
        """
        SELECT count(*) AS agreements, count(DISTINCT (state_code, agency_key)) AS agencies,
               max(snapshot_date) AS list_date, max(snapshot_key) AS snapshot_key
        FROM marts.current_agreements
        """,
    )[0]


def read_breakdown(con: duckdb.DuckDBPyConnection, column: str) -> list[dict]:
    """Agreements and agencies by model or by level; `column` is one of those two names, never data."""
    if column not in ("model", "level"):
        raise ValueError(f"no breakdown by {column}")
    return records(
        con,
        f"""
        SELECT {column} AS value, count(*) AS agreements,
               count(DISTINCT (state_code, agency_key)) AS agencies
        FROM marts.current_agreements GROUP BY {column} ORDER BY agreements DESC, value
        """,
    )


def read_states(con: duckdb.DuckDBPyConnection) -> list[dict]:
    return records(
        con,
        """
        SELECT state_code, state_name, population, agreements, agencies, jem, wso, tfm,
               population_covered, share_covered, statewide_agencies
        FROM marts.state_summary ORDER BY agreements DESC, state_code
        """,
    )


def read_agreements(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Today's agreements with their county: ICE's COUNTY column, else the Census county of the jurisdiction."""
    rows = records(
        con,
        """
        SELECT a.state_code AS state, a.agency_name AS agency, a.agency_key,
               coalesce(a.county_name, c.county_name) AS county, a.level, a.model,
               a.signed_date AS signed, a.first_seen_date AS first_seen, a.population,
               a.jurisdiction_name AS jurisdiction, a.moa_url AS moa, a.addendum_url AS addendum
        FROM marts.current_agreements a
        LEFT JOIN marts.county_summary c USING (county_fips)
        ORDER BY a.state_code, a.agency_name, a.model
        """,
    )
    return [{**row, "moa": web_link(row["moa"]), "addendum": web_link(row["addendum"])} for row in rows]


def read_cancellations(con: duckdb.DuckDBPyConnection) -> list[dict]:
    return records(
        con,
        """
        SELECT state_code AS state, agency_name AS agency, agency_key, county_name AS county, level, model,
               signed_date AS signed, first_seen_date AS first_seen, last_seen_date AS last_seen,
               ended_date AS ended
        FROM history.cancellations ORDER BY ended_date DESC, state_code, agency_name, model
        """,
    )


def read_corrections(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """ICE's fixes that changed an agreement's key (a name, a date, a state): the ones a naive count would
    mistake for one cancellation plus one new agreement."""
    return records(
        con,
        """
        SELECT snapshot_date, previous_snapshot_date, state_code, agency_name, model, field,
               old_value, new_value, link_method, link_score
        FROM history.changes
        WHERE event IN ('corrected', 're-dated') AND link_method IS NOT NULL
        ORDER BY snapshot_date DESC, state_code, agency_name
        """,
    )


def read_detail_fixes(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Fixes that left the agreement's key alone (a county or level filled in or corrected), by field."""
    return records(
        con,
        """
        SELECT field, count(*) AS changes FROM history.changes
        WHERE event IN ('corrected', 're-dated') AND link_method IS NULL
        GROUP BY field ORDER BY changes DESC
        """,
    )


def read_timeline(con: duckdb.DuckDBPyConnection, since: dt.date = GROWTH_START) -> pd.DataFrame:
    return con.execute(
        "SELECT * FROM history.timeline WHERE snapshot_date >= ? ORDER BY snapshot_at", [since]
    ).df()


def column_names(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    schema, name = table.split(".")
    return {
        row[0]
        for row in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
            [schema, name],
        ).fetchall()
    }


def read_scenarios(con: duckdb.DuckDBPyConnection, presets: dict[str, dict]) -> list[dict]:
    """Each preset with its words, its national row and its state rows, and its operations as its YAML
    holds them (what the simulator loads). A title, status and reason are shown when the table has them."""
    present = column_names(con, "scenarios.definitions")
    optional = [
        f"{name}" if name in present else f"{default} AS {name}"
        for name, default in (("title", "scenario"), ("status", "'ran'"), ("status_reason", "NULL"))
    ]
    definitions = records(
        con,
        f"SELECT scenario, {', '.join(optional)}, description, baseline_requested, baseline_date, operations "
        "FROM scenarios.definitions ORDER BY scenario",
    )
    results = records(
        con,
        "SELECT * FROM scenarios.results ORDER BY scenario, state_code NULLS FIRST",
    )
    scenarios = []
    for definition in definitions:
        rows = [row for row in results if row["scenario"] == definition["scenario"]]
        national = next((row for row in rows if row["state_code"] is None), None)
        states = [row for row in rows if row["state_code"] is not None]
        preset = presets.get(definition["scenario"], {})
        scenarios.append(
            {
                **definition,
                "title": definition["title"] or definition["scenario"],
                "national": national,
                "states": states,
                "steps": preset.get("operations"),
            }
        )
    return scenarios


def read_snapshots(con: duckdb.DuckDBPyConnection) -> list[dict]:
    return records(
        con,
        """
        SELECT snapshot_date, snapshot_at, list_kind, status, file_name, sha256, row_count, quality_reason
        FROM raw.snapshots ORDER BY snapshot_at DESC, snapshot_key DESC
        """,
    )


def count_of(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """Rows of a published table or view (the name is a code constant)."""
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


# ---- the charts ------------------------------------------------------------------------------------------------


def fit_to_container(spec: dict) -> dict:
    """A chart as wide as its column, so it reads on a phone as on a desk."""
    return {**spec, "width": "container", "autosize": {"type": "fit-x", "contains": "padding"}}


def growth_spec(timeline: pd.DataFrame) -> dict:
    return fit_to_container(charts.timeline_chart(timeline).to_dict())


def axis_top(highest: int, most_ticks: int = 8) -> int:
    """The smallest multiple of a round step (1, 2 or 5 times a power of ten, at most `most_ticks` steps) at or
    above `highest`: the top of an axis whose last label is above every bar."""
    power = 1
    while True:
        for step in (power, 2 * power, 5 * power):
            if math.ceil(highest / step) <= most_ticks:
                return max(step, math.ceil(highest / step) * step)
        power *= 10


def cancellations_spec(con: duckdb.DuckDBPyConnection) -> dict:
    """The cancellations chart with its y axis ending on a labelled value above the tallest stack (Vega-Lite's
    own domain of a stacked, layered bar ended at the stack's top, so the tallest bars ran past the labels)."""
    cancellations = con.execute("SELECT * FROM history.cancellations").df()
    spec = fit_to_container(charts.cancellations_chart(cancellations).to_dict())
    monthly = charts.cancellations_by_month(cancellations)
    highest = int(monthly.groupby("month").cancellations.sum().max()) if len(monthly) else 0
    bars = spec["layer"][0]["encoding"]["y"]
    bars["scale"] = {"domain": [0, axis_top(max(highest, 1))], "nice": False}
    return spec


def county_map_spec(con: duckdb.DuckDBPyConnection, topology: dict, list_date: str) -> dict:
    """The county map of maps.py (all models first; its menu switches to JEM, WSO or TFM)."""
    counties = con.execute("SELECT * FROM marts.county_summary").df()
    current = con.execute("SELECT * FROM marts.current_agreements").df()
    drawn = maps.join_counties(topology, counties.county_fips.tolist()).joined
    shaded = maps.counties_with_properties(topology, counties)
    states = maps.prune_topology(topology, "states", {fips[:2] for fips in drawn})
    points = maps.agency_points(current, set(counties.state_code))
    return maps.county_map_spec(shaded, states, points, list_date, maps.ALL_MODELS)


# ---- everything the page shows ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportContent:
    """What the page shows, read from the published tables; `data` is what its scripts filter and draw."""

    totals: dict
    by_model: list[dict]
    by_level: list[dict]
    states: list[dict]
    growth: list[dict]  # the first list since January 2025 and the newest
    cancellations_since_tracking_start: int
    cancellations_total: int
    corrections: list[dict]
    detail_fixes: list[dict]
    scenarios: list[dict]
    snapshots: list[dict]
    data: dict


def growth_ends(timeline: pd.DataFrame) -> list[dict]:
    ends = timeline.iloc[[0, -1]] if len(timeline) else timeline
    return [
        {
            "date": pd.Timestamp(row.snapshot_date).date().isoformat(),
            "agreements": int(row.agreements),
            "agencies": int(row.agencies),
        }
        for row in ends.itertuples()
    ]


def read_report(con: duckdb.DuckDBPyConnection, topology: dict | None, paths: Paths) -> ReportContent:
    """Everything the page needs, from one connection; without a topology the page has no map section.
    `paths` says where the preset scenarios and the states without county sheriffs are read from."""
    totals = read_totals(con)
    presets = preset_operations(scenario_folders(paths))
    scenarios = read_scenarios(con, presets)
    timeline = read_timeline(con)
    since_start = count_of(con, "history.cancellations_since_tracking_start")
    data = {
        "list_date": totals["list_date"],
        "tracking_start": TRACKING_START.isoformat(),
        "totals": {
            "agreements": totals["agreements"],
            "agencies": totals["agencies"],
            "cancellations_since_tracking_start": since_start,
        },
        "agreements": read_agreements(con),
        "model": simulator_data(con, states_without_county_sheriffs(paths)),
        "presets": [
            {
                key: scenario[key]
                for key in ("scenario", "title", "status", "status_reason", "baseline_requested")
            }
            | {"operations": scenario["steps"]}
            for scenario in scenarios
        ],
        "cancellations": read_cancellations(con),
        "changes": changes.as_records(changes.read_changes(con, lists=changes.REPORT_LISTS)),
        "charts": {
            "growth": growth_spec(timeline),
            "cancellations": cancellations_spec(con),
            **({"map": county_map_spec(con, topology, totals["list_date"])} if topology else {}),
        },
    }
    return ReportContent(
        totals=totals,
        by_model=read_breakdown(con, "model"),
        by_level=read_breakdown(con, "level"),
        states=read_states(con),
        growth=growth_ends(timeline),
        cancellations_since_tracking_start=since_start,
        cancellations_total=count_of(con, "history.cancellations"),
        corrections=read_corrections(con),
        detail_fixes=read_detail_fixes(con),
        scenarios=scenarios,
        snapshots=read_snapshots(con),
        data=data,
    )


# ---- rendering -------------------------------------------------------------------------------------------------


def whole_number(value) -> str:
    return "–" if value is None else f"{int(value):,}"


def signed_number(value) -> str:
    return "–" if value is None else f"{int(value):+,}"


def percent(value) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def template_environment() -> jinja2.Environment:
    """Jinja2 with autoescaping always on (agency names are data), and compact, HTML-safe JSON."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("g287_assets.lib.outputs", TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.policies["json.dumps_kwargs"] = {"sort_keys": False, "separators": (",", ":")}
    environment.filters.update(number=whole_number, signed=signed_number, percent=percent)
    return environment


SCRIPT_END = re.compile(r"</(script)", re.IGNORECASE)


def inline_script(code: str) -> Markup:
    """JavaScript safe to inline: `</script` cannot end the element early (`<\\/` means the same in JS).

    A comment opener would switch the HTML parser into its escaped script state; no bundle has one, and one
    appearing is refused rather than guessed around.
    """
    if "<!--" in code:
        raise ValueError("an inlined script holds '<!--', which HTML parsers treat specially")
    return Markup(SCRIPT_END.sub(r"<\\/\1", code))


def inline_style(css: str) -> Markup:
    if re.search(r"</style", css, re.IGNORECASE):
        raise ValueError("an inlined stylesheet holds '</style'")
    return Markup(css)


def template_text(name: str) -> str:
    return resources.files("g287_assets.lib.outputs").joinpath(TEMPLATES, name).read_text(encoding="utf-8")


def render_report(content: ReportContent, built_at: dt.datetime) -> str:
    """The page: sections rendered by Jinja2, scripts and styles inlined, data embedded as JSON."""
    template = template_environment().get_template("report.html.j2")
    return template.render(
        report=content,
        model_titles=maps.MODEL_TITLES,
        model_words=MODEL_WORDS,
        model_colors=charts.MODEL_COLORS,
        models=MODELS,
        levels=LEVELS,
        growth_start=GROWTH_START.isoformat(),
        tracking_start=TRACKING_START.isoformat(),
        built_at=built_at.strftime("%Y-%m-%d %H:%M UTC"),
        style=inline_style(template_text("report.css")),
        vega_bundle=inline_script(vlc.javascript_bundle()),
        simulator_script=inline_script(template_text("simulator.js")),
        page_script=inline_script(template_text("report.js")),
    )


# ---- checks of the written page --------------------------------------------------------------------------------

EXTERNAL_RESOURCE = re.compile(
    r"<(?:script|link|img|iframe|source|embed)\b[^>]*\b(?:src|href)\s*=\s*[\"']?\s*(?:https?:)?//"
    r"|@import\s+(?:url\()?\s*[\"']?\s*(?:https?:)?//"
    r"|url\(\s*[\"']?\s*(?:https?:)?//",
    re.IGNORECASE,
)


def external_resources(html: str) -> list[str]:
    """Scripts, styles, images or fonts the page would fetch from the network (links to read are fine)."""
    return [match.group(0) for match in EXTERNAL_RESOURCE.finditer(html)]


EMBEDDED_DATA = re.compile(r'<script type="application/json" id="report-data">(.*?)</script>', re.DOTALL)


def embedded_data(html: str) -> dict:
    """The JSON the page's scripts read: what a test compares with the database."""
    match = EMBEDDED_DATA.search(html)
    if match is None:
        raise ValueError("the page embeds no report data")
    return json.loads(match.group(1))


# ---- a picture of the page for the Dagster UI -----------------------------------------------------------------


def chromium_screenshot(page: Path, png: Path, chromium: Path = CHROMIUM, timeout: float = 120) -> bool:
    """Screenshot the page with headless Chromium when it is installed; False when it is not or it failed.

    The page needs no network, so Chromium runs with background networking off and a throwaway profile.
    """
    if not chromium.is_file():
        return False
    width, height = SCREENSHOT_WINDOW
    png.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        command = [
            str(chromium),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            "--virtual-time-budget=20000",
            f"--screenshot={png}",
            page.resolve().as_uri(),
        ]
        try:
            subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return False
    return png.is_file() and png.read_bytes().startswith(maps.PNG_SIGNATURE)
