"""The g287 code location: every asset group's Dagster objects, found by Dagster's own loader, plus publication.

Each folder of `g287_assets/defs/` is one asset group and holds its assets, checks, sensor or schedule;
`load_from_defs_folder` collects them. Owners are set here once, and the published database waits for every
table.
"""

import warnings
from pathlib import Path

import dagster as dg

from g287_assets.defs.publish.assets import published_database_asset
from g287_assets.defs.resources import default_resources

OWNERS = ["team:g287"]
# Figures and export files are made from the database, not part of it: a map that fails to render must not
# keep a new list from being published.
FILE_GROUPS = {"outputs"}


def build_definitions() -> dg.Definitions:
    groups = dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
    table_assets = [
        spec.key
        for asset in groups.assets or []
        for spec in asset.specs
        if spec.group_name not in FILE_GROUPS
    ]
    merged = dg.Definitions.merge(
        groups,
        dg.Definitions(assets=[published_database_asset(table_assets)], resources=default_resources()),
    )
    with warnings.catch_warnings():
        # map_asset_specs is marked preview; its behaviour here (one attribute replaced) is covered by a test.
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return merged.map_asset_specs(func=lambda spec: spec.replace_attributes(owners=OWNERS))


defs = build_definitions()
