"""`g287 pack`: regenerate data/shipped/ (the history and Census tables the project ships) from a build."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from g287_assets.lib.settings import SHIPPED_DIR


def pack(target: Path) -> int:
    import duckdb

    from g287_assets.lib.outputs.maps import TOPOLOGY_IN_MIRROR
    from g287_assets.lib.settings import paths_from_env, source_mirror
    from g287_assets.lib.snapshots.registry import load_imports
    from g287_assets.lib.snapshots.shipped import pack_boundaries, pack_census, pack_history, write_manifest
    from g287_assets.lib.sources.census import SOURCES, obtain_source, read_source

    paths = paths_from_env()
    mirror = source_mirror()
    if not paths.published_db.is_file():
        print(f"g287 pack: no database at {paths.published_db}; run `g287 build` first", file=sys.stderr)
        return 2
    if mirror is None or not (mirror / TOPOLOGY_IN_MIRROR).is_file():
        print(
            "g287 pack: set G287_SOURCE_MIRROR to a folder holding census/, geo/ and "
            f"{TOPOLOGY_IN_MIRROR} (e.g. ../shared/data): the shipped tables are made from those files",
            file=sys.stderr,
        )
        return 2
    sidecars = {seq: record.sidecar for seq, record in enumerate(load_imports(paths.archive), start=1)}
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        history = pack_history(con, sidecars, target)
    frames, sources = {}, {}
    for name, source in SOURCES.items():
        found = obtain_source(source, paths.cache, mirror=mirror)
        frames[name] = read_source(found)
        sources[name] = {"url": source.url, "file_name": source.file_name, "sha256": found.sha256}
    census = pack_census(frames, sources, target)
    topology = mirror / TOPOLOGY_IN_MIRROR
    boundaries = pack_boundaries(topology, topology.with_name("LICENSE"), target)
    manifest = write_manifest(target, history, census, boundaries)
    total = sum(entry["bytes"] for entry in manifest["files"].values())
    print(
        f"packed {history['lists']} lists ({history['rows']:,} rows, {history['first_list_date']} to "
        f"{history['last_list_date']}), {len(census)} Census tables and the county boundaries into {target} "
        f"({total:,} bytes)"
    )
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "pack",
        help="write data/shipped/ (ICE's lists, Census tables, county boundaries) from the published database",
    )
    parser.add_argument(
        "--to", type=Path, default=SHIPPED_DIR, metavar="DIR", help=f"where to write (default {SHIPPED_DIR})"
    )
    parser.set_defaults(run=lambda args: pack(args.to))
