"""The g287 code location: every domain module's Dagster objects, plus publication and resources.

Each module of `g287_assets.defs` that defines `defs` (a `dg.Definitions`) is a domain; its assets,
checks, jobs, sensors and schedules are merged here, and the published database waits for every table.
"""

import importlib
import pkgutil

import dagster as dg

import g287_assets.defs as domains
from g287_assets.defs.publish import published_database_asset
from g287_assets.defs.resources import default_resources


def domain_definitions() -> list[dg.Definitions]:
    modules = [
        importlib.import_module(f"{domains.__name__}.{info.name}")
        for info in pkgutil.iter_modules(domains.__path__)
    ]
    return [module.defs for module in modules if isinstance(getattr(module, "defs", None), dg.Definitions)]


# Figures and export files are made from the database, not part of it: a map that fails to render must not
# keep a new list from being published.
FILE_GROUPS = {"outputs"}


def build_definitions() -> dg.Definitions:
    merged = dg.Definitions.merge(*domain_definitions())
    table_assets = [
        spec.key
        for asset in merged.assets or []
        for spec in asset.specs
        if spec.group_name not in FILE_GROUPS
    ]
    return dg.Definitions.merge(
        merged,
        dg.Definitions(assets=[published_database_asset(table_assets)], resources=default_resources()),
    )


defs = build_definitions()
