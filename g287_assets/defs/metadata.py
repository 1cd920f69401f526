"""What every domain shows in the Dagster UI for its tables: keys, column schemas and previews.

A helper module, not a domain: it defines no `defs`.
"""

import dagster as dg
import pandas as pd

from g287_assets.lib.warehouse import catalog


def table_key(table: catalog.Table) -> dg.AssetKey:
    """The asset key of a table: its schema and name (raw.snapshots -> raw/snapshots)."""
    return dg.AssetKey(table.name.split("."))


def table_schema(table: catalog.Table) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[dg.TableColumn(c.name, c.type, description=c.description) for c in table.columns]
    )


def asset_metadata(table: catalog.Table) -> dict:
    """Definition metadata: the column schema shown in the UI and the table's name in DuckDB."""
    return {"dagster/column_schema": table_schema(table), "dagster/table_name": table.name}


def preview(frame: pd.DataFrame, rows: int = 5, empty: str = "_no rows_") -> dg.MarkdownMetadataValue:
    """The first rows of a frame as a Markdown table."""
    return dg.MetadataValue.md(frame.head(rows).to_markdown(index=False) if len(frame) else empty)
