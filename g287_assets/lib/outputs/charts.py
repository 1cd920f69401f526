"""Charts of the history: agreements by model over time, and cancellations per month.

Built with Altair from the history tables and rendered offline by vl-convert (see maps.render_png), so the
same PNG appears in the Dagster UI and under data/exports/figures/.
"""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd

from g287_assets.lib.outputs.maps import MODEL_TITLES
from g287_assets.lib.vocabulary import MODELS

# The best-known public tracker starts counting cancellations here; g287 reaches further back.
TRACKING_START = dt.date(2025, 12, 8)
MODEL_COLORS = {"Total": "#222222", "JEM": "#1b9e77", "WSO": "#7570b3", "TFM": "#d95f02"}
CHART_WIDTH, CHART_HEIGHT = 760, 320


def timeline_long(timeline: pd.DataFrame) -> pd.DataFrame:
    """One row per list and series (total and each model), the shape a line chart wants.

    Two lists of one day are both kept: the chart's x axis is the moment of the list, not its date.
    """
    frame = timeline.rename(columns={"agreements": "Total", **{m.lower(): m for m in MODELS}})
    frame = frame.assign(moment=pd.to_datetime(frame.snapshot_at).dt.strftime("%Y-%m-%dT%H:%M:%S"))
    frame = frame.assign(list_date=pd.to_datetime(frame.snapshot_date).dt.strftime("%Y-%m-%d"))
    return frame.melt(
        id_vars=["moment", "list_date", "agencies"],
        value_vars=["Total", *MODELS],
        var_name="series",
        value_name="count",
    )


def timeline_chart(timeline: pd.DataFrame) -> alt.Chart:
    """Agreements in each usable participating list since the first snapshot, in total and by model."""
    data = timeline_long(timeline)
    series = list(MODEL_COLORS)
    first, last = data.list_date.min(), data.list_date.max()
    return (
        alt.Chart(alt.InlineData(values=data.to_dict(orient="records")))
        .mark_line(interpolate="step-after", strokeWidth=1.8)
        .encode(
            x=alt.X("moment:T", title="ICE list", axis=alt.Axis(format="%b %Y")),
            y=alt.Y("count:Q", title="Agreements in the list"),
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(domain=series, range=list(MODEL_COLORS.values())),
                legend=alt.Legend(
                    orient="top-left",
                    labelExpr="datum.label == 'Total' ? 'All agreements' : datum.label",
                ),
            ),
            tooltip=[
                alt.Tooltip("list_date:N", title="List of"),
                alt.Tooltip("series:N", title="Series"),
                alt.Tooltip("count:Q", title="Agreements", format=","),
                alt.Tooltip("agencies:Q", title="Agencies (all models)", format=","),
            ],
        )
        .properties(
            width=CHART_WIDTH,
            height=CHART_HEIGHT,
            title=alt.Title(
                "287(g) agreements in ICE's participating list, by model",
                subtitle=f"Every usable list from {first} to {last}; "
                + "; ".join(f"{m}: {MODEL_TITLES[m]}" for m in MODELS),
                anchor="start",
            ),
        )
    )


def cancellations_by_month(cancellations: pd.DataFrame) -> pd.DataFrame:
    """Ended agreements counted per month of their ending and model, with empty months kept at zero."""
    if cancellations.empty:
        return pd.DataFrame(columns=["month", "model", "cancellations"])
    months = pd.to_datetime(cancellations.ended_date).dt.to_period("M")
    counted = cancellations.assign(month=months).groupby(["month", "model"]).size()
    every_month = pd.period_range(months.min(), months.max(), freq="M")
    grid = pd.MultiIndex.from_product([every_month, list(MODELS)], names=["month", "model"])
    filled = counted.reindex(grid, fill_value=0).rename("cancellations").reset_index()
    return filled.assign(month=filled.month.dt.strftime("%Y-%m-01"))


def cancellations_chart(cancellations: pd.DataFrame) -> alt.LayerChart:
    """Cancellations per month, stacked by model, with the public tracker's start marked."""
    monthly = cancellations_by_month(cancellations)
    bars = (
        alt.Chart(alt.InlineData(values=monthly.to_dict(orient="records")))
        .mark_bar()
        .encode(
            x=alt.X("yearmonth(month):O", title="Month the agreement left ICE's list"),
            y=alt.Y("sum(cancellations):Q", title="Agreements cancelled", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color(
                "model:N",
                title="Model",
                scale=alt.Scale(domain=list(MODELS), range=[MODEL_COLORS[m] for m in MODELS]),
            ),
            tooltip=[
                alt.Tooltip("yearmonth(month):O", title="Month"),
                alt.Tooltip("model:N", title="Model"),
                alt.Tooltip("sum(cancellations):Q", title="Cancelled"),
            ],
        )
    )
    start = alt.InlineData(
        values=[{"month": TRACKING_START.replace(day=1).isoformat(), "label": "tracker start"}]
    )
    marker = alt.Chart(start).mark_rule(color="#444444", strokeDash=[4, 3]).encode(x="yearmonth(month):O")
    total = int(monthly.cancellations.sum()) if len(monthly) else 0
    return alt.layer(bars, marker).properties(
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        title=alt.Title(
            f"287(g) agreements cancelled per month ({total:,} in all)",
            subtitle=(
                "An agreement is cancelled when it leaves ICE's list with no corrected twin to explain it; "
                f"dashed line: {TRACKING_START:%B %Y}, when the best-known public tracker starts counting."
            ),
            anchor="start",
        ),
    )
