"""The data dictionary: every table g287 writes, its columns, their types and what they mean.

One source for the DuckDB DDL, the `COMMENT ON` descriptions and the column schemas shown in Dagster. Each
domain describes its own tables (lib/<domain>/catalog.py); this module gathers them in build order.
"""

from __future__ import annotations

from g287_assets.lib.cleaning.catalog import (  # noqa: F401
    CLEAN_AGREEMENTS,
    CLEANED_SNAPSHOTS,
    ROW_ISSUES,
)
from g287_assets.lib.geography.catalog import (  # noqa: F401
    AGENCY_COUNTIES,
    AGENCY_JURISDICTIONS,
    GEO_CENSUS_SOURCES,
    GEO_COUNTIES,
    GEO_COUNTY_SUBDIVISIONS,
    GEO_PLACE_COUNTY_PARTS,
    GEO_PLACES,
    GEO_STATES,
    GEO_TABLES,
    LEVEL_REVIEW,
)
from g287_assets.lib.history.catalog import (  # noqa: F401
    HISTORY_AGENCIES,
    HISTORY_AGENCY_ALIASES,
    HISTORY_AGREEMENTS,
    HISTORY_CANCELLATIONS,
    HISTORY_CANCELLATIONS_SINCE_TRACKING_START,
    HISTORY_CHANGES,
    HISTORY_GAPS,
    HISTORY_LINK_REVIEW,
    HISTORY_LINKS,
    HISTORY_PENDING_AGENCIES,
    HISTORY_TABLES,
    HISTORY_TIMELINE,
    HISTORY_TIMELINE_BY_STATE,
)
from g287_assets.lib.marts.catalog import (  # noqa: F401
    COUNTY_SUMMARY,
    CURRENT_AGREEMENTS,
    STATE_SUMMARY,
)
from g287_assets.lib.scenarios.catalog import (  # noqa: F401
    SCENARIO_CHANGES,
    SCENARIO_COUNTY_COVERAGE,
    SCENARIO_DEFINITIONS,
    SCENARIO_PENDING_AGENCIES,
    SCENARIO_PENDING_AGENCY_COUNTIES,
    SCENARIO_RESULTS,
    SCENARIO_TABLES,
)
from g287_assets.lib.snapshots.catalog import (  # noqa: F401
    FILE_IMPORTS,
    RAW_ROWS,
    SNAPSHOT_CONTENTS,
    SNAPSHOTS,
    USABLE_PARTICIPATING_LISTS,
)
from g287_assets.lib.warehouse.schema import Column, Table, comment_statements, create_statements, quote  # noqa: F401

TABLES = [
    FILE_IMPORTS,
    RAW_ROWS,
    SNAPSHOT_CONTENTS,
    SNAPSHOTS,
    USABLE_PARTICIPATING_LISTS,
    CLEAN_AGREEMENTS,
    ROW_ISSUES,
    CLEANED_SNAPSHOTS,
    *GEO_TABLES,
    *HISTORY_TABLES,
    CURRENT_AGREEMENTS,
    COUNTY_SUMMARY,
    STATE_SUMMARY,
    *SCENARIO_TABLES,
]
BY_NAME = {table.name: table for table in TABLES}
