"""The county map: counties shaded by agreements per 100,000 residents, with municipal and state agencies as points.

Boundaries come from the us-atlas 2023 county TopoJSON (Census cartographic boundaries, ISC licence), in
longitude/latitude (`counties-10m.json`, not the pre-projected Albers file), so that the agencies' Gazetteer
points and the county shapes share one projection, and so the same shapes convert to standard GeoJSON.
The map is Vega-Lite built with Altair and rendered by vl-convert, whose bundled JavaScript makes the HTML
work offline. Nothing here touches the network: the TopoJSON is read from the source mirror or the cache.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from pathlib import Path

import altair as alt
import pandas as pd
import vl_convert as vlc

from g287_assets.lib.snapshots.shipped import BOUNDARIES, ShippedHistory
from g287_assets.lib.vocabulary import MODELS

TOPOLOGY_IN_MIRROR = Path("geo") / "us-atlas-2023" / "counties-10m.json"
TOPOLOGY_IN_CACHE = Path("us-atlas-2023") / "counties-10m.json"
BOUNDARIES_CREDIT = "Boundaries: us-atlas 2023 (Census cartographic boundaries, ISC licence)"
POPULATION_CREDIT = "population: Census Vintage 2024"

ALL_MODELS = "ALL"
MODEL_TITLES = {
    ALL_MODELS: "all models",
    "JEM": "Jail Enforcement Model",
    "WSO": "Warrant Service Officer",
    "TFM": "Task Force Model",
}
POINT_LEVELS = ("municipal", "state")

# Rates per 100,000 residents: one agreement in a county of 100,000 people is 1; small counties reach the
# hundreds, so the breaks are fixed steps a reader can quote rather than quantiles that move every day.
RATE_BREAKS = [1, 2.5, 5, 10, 25, 50]
RATE_COLORS = ["#fee5d9", "#fcbba1", "#fc9272", "#fb6a4a", "#ef3b2c", "#cb181d", "#99000d"]
NO_AGREEMENT_COLOR = "#eeeeee"
MAP_WIDTH, MAP_HEIGHT = 960, 600


class TopologyMissing(FileNotFoundError):
    """The county TopoJSON is neither in the source mirror nor in the cache, and g287 never downloads it."""


def county_topology_file(mirror: Path | None, cache_dir: Path, shipped_dir: Path) -> Path:
    """Where the county TopoJSON is read from: the mirror's when one is set, else the project's shipped copy,
    else the cache."""
    if mirror is not None:
        path = mirror / TOPOLOGY_IN_MIRROR
        if not path.is_file():
            raise TopologyMissing(f"the source mirror has no {TOPOLOGY_IN_MIRROR} (looked for {path})")
        return path
    if (shipped_dir / BOUNDARIES).is_file():
        return shipped_dir / BOUNDARIES
    cached = cache_dir / TOPOLOGY_IN_CACHE
    if cached.is_file():
        return cached
    raise TopologyMissing(
        "the county map needs the us-atlas 2023 county TopoJSON (counties-10m.json) and g287 does not "
        f"download it: set G287_SOURCE_MIRROR to a folder holding {TOPOLOGY_IN_MIRROR} (e.g. ../shared/data), "
        f"restore {shipped_dir / BOUNDARIES} from git, or copy that file to {cached}"
    )


def load_county_topology(mirror: Path | None, cache_dir: Path, shipped_dir: Path) -> dict:
    """The county TopoJSON (see county_topology_file for where it comes from)."""
    path = county_topology_file(mirror, cache_dir, shipped_dir)
    if path == shipped_dir / BOUNDARIES:
        return ShippedHistory(shipped_dir).boundaries()
    return load_topology(path)


def load_topology(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


# ---- TopoJSON handling ---------------------------------------------------------------------------------


def _arc_indexes(arcs) -> list[int]:
    """Every arc index a geometry uses, whatever its nesting (rings, polygons)."""
    if isinstance(arcs, int):
        return [arcs]
    return [index for part in arcs for index in _arc_indexes(part)]


def _renumber(arcs, new_index: dict[int, int]):
    """The same nesting with arc indexes renumbered; a negative index (~i) means arc i reversed."""
    if isinstance(arcs, int):
        return new_index[arcs] if arcs >= 0 else ~new_index[~arcs]
    return [_renumber(part, new_index) for part in arcs]


def prune_topology(topology: dict, object_name: str, keep_ids: set[str] | None = None) -> dict:
    """A topology holding one object (optionally only some of its geometries) and only the arcs it uses.

    Vega names inline data sets, so one topology cannot feed two layers with two formats; the states
    layer gets its own small topology, and territories that the map does not draw are left out.
    """
    geometries = [
        geometry
        for geometry in topology["objects"][object_name]["geometries"]
        if keep_ids is None or geometry.get("id") in keep_ids
    ]
    used = sorted(
        {index if index >= 0 else ~index for g in geometries for index in _arc_indexes(g.get("arcs", []))}
    )
    new_index = {old: new for new, old in enumerate(used)}
    pruned = [{**g, "arcs": _renumber(g["arcs"], new_index)} if "arcs" in g else g for g in geometries]
    result = {
        "type": "Topology",
        "objects": {object_name: {"type": "GeometryCollection", "geometries": pruned}},
        "arcs": [topology["arcs"][index] for index in used],
    }
    if "transform" in topology:
        result["transform"] = topology["transform"]
    return result


def topology_ids(topology: dict, object_name: str = "counties") -> set[str]:
    return {g["id"] for g in topology["objects"][object_name]["geometries"] if "id" in g}


def decode_arcs(topology: dict, digits: int = 5) -> list[list[list[float]]]:
    """Every arc as absolute longitude/latitude points (quantized arcs are delta-encoded integers)."""
    transform = topology.get("transform")
    if not transform:
        return [[[round(x, digits), round(y, digits)] for x, y, *_ in arc] for arc in topology["arcs"]]
    (scale_x, scale_y), (shift_x, shift_y) = transform["scale"], transform["translate"]
    decoded = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy, *_ in arc:
            x, y = x + dx, y + dy
            points.append([round(x * scale_x + shift_x, digits), round(y * scale_y + shift_y, digits)])
        decoded.append(points)
    return decoded


def _ring(indexes: list[int], arcs: list[list[list[float]]]) -> list[list[float]]:
    """A closed ring stitched from arcs; consecutive arcs share an end point, kept once."""
    points: list[list[float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def _signed_area(ring: list[list[float]]) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False)) / 2


def _wound(rings: list[list[list[float]]]) -> list[list[list[float]]]:
    """RFC 7946 winding: exterior ring counterclockwise, holes clockwise (TopoJSON uses the reverse)."""
    wound = []
    for position, ring in enumerate(rings):
        counterclockwise = _signed_area(ring) > 0
        wound.append(ring if counterclockwise == (position == 0) else ring[::-1])
    return wound


def geojson_geometry(geometry: dict, arcs: list[list[list[float]]]) -> dict | None:
    """One TopoJSON polygon geometry as a GeoJSON geometry (None for an empty one)."""
    kind = geometry.get("type")
    if kind == "Polygon":
        return {"type": "Polygon", "coordinates": _wound([_ring(r, arcs) for r in geometry["arcs"]])}
    if kind == "MultiPolygon":
        polygons = [_wound([_ring(r, arcs) for r in polygon]) for polygon in geometry["arcs"]]
        return {"type": "MultiPolygon", "coordinates": polygons}
    return None


def geojson_geometries(topology: dict, object_name: str = "counties", digits: int = 5) -> dict[str, dict]:
    """id -> GeoJSON geometry for every identified geometry of one TopoJSON object."""
    arcs = decode_arcs(topology, digits)
    return {
        g["id"]: geometry
        for g in topology["objects"][object_name]["geometries"]
        if "id" in g and (geometry := geojson_geometry(g, arcs)) is not None
    }


# ---- joining the county summary ------------------------------------------------------------------------


@dataclass(frozen=True)
class CountyJoin:
    """How the county summary met the TopoJSON: which counties are drawn, and what could not be joined."""

    joined: tuple[str, ...]
    without_shape: tuple[str, ...]  # in the county summary, missing from the TopoJSON
    shape_without_row: tuple[str, ...]  # in the TopoJSON, not a county of the summary (territories)


def join_counties(topology: dict, county_fips: list[str]) -> CountyJoin:
    shapes = topology_ids(topology)
    rows = set(county_fips)
    return CountyJoin(
        joined=tuple(sorted(shapes & rows)),
        without_shape=tuple(sorted(rows - shapes)),
        shape_without_row=tuple(sorted(shapes - rows)),
    )


def _whole(value) -> int:
    return 0 if pd.isna(value) else int(value)


def _per_100k(count: int, population: int) -> float:
    return round(count * 100_000 / population, 3) if population else 0.0


def county_properties(row) -> dict:
    """What a county's shape carries for the shading and the tooltip, per model and for all models."""
    population = _whole(row.population)
    counts = {"ALL": _whole(row.agreements), **{m: _whole(getattr(row, m.lower())) for m in MODELS}}
    covered = {"ALL": _whole(row.population_covered)}
    covered |= {m: _whole(getattr(row, f"population_covered_{m.lower()}")) for m in MODELS}
    return {
        "county_name": row.county_name,
        "state_code": row.state_code,
        "population": population,
        "agencies": _whole(row.agencies),
        "agreements": counts,
        "per_100k": {model: _per_100k(count, population) for model, count in counts.items()},
        "covered": covered,
    }


def counties_with_properties(topology: dict, counties: pd.DataFrame) -> dict:
    """The counties of the summary that have a shape, each shape carrying its county's figures."""
    properties = {row.county_fips: county_properties(row) for row in counties.itertuples(index=False)}
    pruned = prune_topology(topology, "counties", set(properties))
    for geometry in pruned["objects"]["counties"]["geometries"]:
        geometry["properties"] = properties[geometry["id"]]
    return pruned


def agency_points(current: pd.DataFrame, drawn_states: set[str]) -> list[dict]:
    """One point per municipal or state agency with a jurisdiction point, listing its models.

    County agencies are the shading itself; territories fall outside the map's projection.
    """
    located = current[
        current.level.isin(POINT_LEVELS)
        & current.latitude.notna()
        & current.longitude.notna()
        & current.state_code.isin(drawn_states)
    ]
    keys = ["state_code", "agency_key"]
    models = located.groupby(keys, sort=True)["model"].agg(lambda held: ", ".join(sorted(held.unique())))
    # Each agency's first row as listed, in the order of its key (what grouping gives), all at once.
    firsts = located.sort_values(keys, kind="stable").drop_duplicates(keys)
    return [
        {
            "agency_name": first.agency_name,
            "state_code": first.state_code,
            "level": first.level,
            "models": held,
            "jurisdiction": first.jurisdiction_name if pd.notna(first.jurisdiction_name) else "not found",
            "population": None if pd.isna(first.population) else int(first.population),
            "latitude": float(first.latitude),
            "longitude": float(first.longitude),
        }
        for first, held in zip(firsts.itertuples(index=False), models, strict=True)
    ]


# ---- the chart -------------------------------------------------------------------------------------------


COUNTIES_DATA, STATES_DATA, AGENCIES_DATA = "counties", "states", "agencies"


def rate_bands() -> list[str]:
    """Legend labels of the shading's steps: 'under 1', '1 to 2.5', ..., '50 or more'."""
    bounds = [f"{b:g}" for b in RATE_BREAKS]
    return [
        f"under {bounds[0]}",
        *(f"{lo} to {hi}" for lo, hi in zip(bounds, bounds[1:], strict=False)),
        f"{bounds[-1]} or more",
    ]


def rate_band_expression() -> str:
    """A Vega expression naming the band of `datum.rate` (built from the constants above, not from data)."""
    expression = f"'{rate_bands()[-1]}'"
    for limit, band in reversed(list(zip(RATE_BREAKS, rate_bands(), strict=False))):
        expression = f"datum.rate < {limit} ? '{band}' : {expression}"
    return expression


def _county_layer() -> alt.Chart:
    shading = alt.Color(
        "band:O",
        title="Agreements per 100,000 residents",
        scale=alt.Scale(domain=rate_bands(), range=RATE_COLORS),
        legend=alt.Legend(
            orient="bottom", direction="horizontal", symbolType="square", columns=len(RATE_COLORS)
        ),
    )
    return (
        alt.Chart(
            alt.NamedData(name=COUNTIES_DATA, format=alt.DataFormat(type="topojson", feature="counties"))
        )
        .mark_geoshape(stroke="white", strokeWidth=0.15)
        .transform_calculate(
            county="datum.properties.county_name",
            state="datum.properties.state_code",
            population="datum.properties.population",
            rate="datum.properties.per_100k[model]",
            agreements="datum.properties.agreements[model]",
            jem="datum.properties.agreements.JEM",
            wso="datum.properties.agreements.WSO",
            tfm="datum.properties.agreements.TFM",
            agencies="datum.properties.agencies",
            covered="datum.properties.covered[model]",
        )
        .transform_calculate(band=rate_band_expression())
        .encode(
            color=alt.condition("datum.agreements > 0", shading, alt.value(NO_AGREEMENT_COLOR)),
            tooltip=[
                alt.Tooltip("county:N", title="County"),
                alt.Tooltip("state:N", title="State"),
                alt.Tooltip("population:Q", title="Population (2024)", format=","),
                alt.Tooltip("agreements:Q", title="Agreements (selected model)"),
                alt.Tooltip("jem:Q", title="JEM agreements"),
                alt.Tooltip("wso:Q", title="WSO agreements"),
                alt.Tooltip("tfm:Q", title="TFM agreements"),
                alt.Tooltip("agencies:Q", title="Agencies"),
                alt.Tooltip("rate:Q", title="Per 100,000 residents", format=".2f"),
                alt.Tooltip("covered:Q", title="Population covered", format=","),
            ],
        )
    )


def _state_layer() -> alt.Chart:
    return alt.Chart(
        alt.NamedData(name=STATES_DATA, format=alt.DataFormat(type="topojson", mesh="states"))
    ).mark_geoshape(filled=False, stroke="#555555", strokeWidth=0.6)


def _point_layer() -> alt.Chart:
    return (
        alt.Chart(alt.NamedData(name=AGENCIES_DATA))
        .transform_filter("model == 'ALL' || indexof(datum.models, model) >= 0")
        .mark_point(filled=True, size=14, opacity=0.85, stroke="white", strokeWidth=0.4)
        .encode(
            longitude="longitude:Q",
            latitude="latitude:Q",
            shape=alt.Shape(
                "level:N",
                title="Agencies",
                scale=alt.Scale(domain=list(POINT_LEVELS), range=["circle", "triangle-up"]),
                legend=alt.Legend(
                    orient="bottom", direction="horizontal", labelExpr="datum.label + ' agency'"
                ),
            ),
            color=alt.value("#1f3b73"),
            tooltip=[
                alt.Tooltip("agency_name:N", title="Agency"),
                alt.Tooltip("state_code:N", title="State"),
                alt.Tooltip("level:N", title="Level"),
                alt.Tooltip("models:N", title="Models"),
                alt.Tooltip("jurisdiction:N", title="Jurisdiction"),
                alt.Tooltip("population:Q", title="Jurisdiction population", format=","),
            ],
        )
    )


def county_map_chart(list_date: str, model: str = ALL_MODELS) -> alt.LayerChart:
    """The layered map without its data; `model` is the view shown first (the HTML lets the reader switch)."""
    selector = alt.param(
        name="model",
        value=model,
        bind=alt.binding_select(
            options=[ALL_MODELS, *MODELS],
            labels=[MODEL_TITLES[m] for m in (ALL_MODELS, *MODELS)],
            name="Model ",
        ),
    )
    title = alt.Title(
        f"287(g) agreements per 100,000 residents by county: {MODEL_TITLES[model]}",
        subtitle=[
            f"ICE's participating list of {list_date}. Shading: local agreements (sheriffs, jails, city and town "
            "police) in the agency's principal county; grey: none.",
            f"Points: municipal and state agencies. {BOUNDARIES_CREDIT}; {POPULATION_CREDIT}.",
        ],
        anchor="start",
    )
    return (
        alt.layer(_county_layer(), _state_layer(), _point_layer())
        .add_params(selector)
        .properties(width=MAP_WIDTH, height=MAP_HEIGHT, title=title)
        .project(type="albersUsa")
        .configure_view(stroke=None)
    )


def county_map_spec(
    counties: dict, states: dict, points: list[dict], list_date: str, model: str = ALL_MODELS
) -> dict:
    """The Vega-Lite spec with its data inlined as named data sets.

    The megabytes of boundaries are attached after Altair has built and validated the small spec: passing
    them through Altair's schema objects costs seconds per view.
    """
    spec = county_map_chart(list_date, model).to_dict()
    spec["datasets"] = {COUNTIES_DATA: counties, STATES_DATA: states, AGENCIES_DATA: points}
    return spec


# ---- rendering ---------------------------------------------------------------------------------------------


def render_png(spec: dict, scale: float = 1.0) -> bytes:
    """A PNG rendered offline: vl-convert may fetch nothing (all data is inline)."""
    return vlc.vegalite_to_png(spec, scale=scale, allowed_base_urls=[])


def render_html(spec: dict, title: str) -> str:
    """A self-contained page: Vega, Vega-Lite and vega-embed inlined, so it opens offline."""
    html = vlc.vegalite_to_html(spec, bundle=True)
    return html.replace("<head>", f"<head>\n<title>{title}</title>", 1)


EXTERNAL_SCRIPT = re.compile(r"<script\b[^>]*\bsrc\s*=\s*[\"']?\s*(?:https?:)?//", re.IGNORECASE)


def has_external_script(html: str) -> bool:
    """True when the page loads any script from the network (an http(s) or protocol-relative src)."""
    return EXTERNAL_SCRIPT.search(html) is not None


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_markdown(png: bytes, alt_text: str) -> str:
    """Markdown showing a PNG inline (Dagster's UI renders data URLs in markdown metadata)."""
    return f"![{alt_text}](data:image/png;base64,{base64.b64encode(png).decode('ascii')})"
