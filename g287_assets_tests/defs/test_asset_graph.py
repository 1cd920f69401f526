"""The asset graph as a reviewable file: a change of keys, dependencies, groups, kinds, owners or checks shows
in the diff of asset_graph.json.

After an intended change of the graph, rewrite the file and review its diff:
    python -m g287_assets_tests.defs.test_asset_graph > g287_assets_tests/defs/asset_graph.json
"""

import json
from pathlib import Path

import dagster as dg

from g287_assets.definitions import defs

SNAPSHOT = Path(__file__).with_name("asset_graph.json")


def graph_of(definitions: dg.Definitions) -> dict:
    graph = definitions.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        assets[key.to_user_string()] = {
            "group": node.group_name,
            "deps": sorted(parent.to_user_string() for parent in node.parent_keys),
            "kinds": sorted(node.kinds),
            "owners": sorted(node.owners),
            "partitioned": node.partitions_def is not None,
            "checks": sorted(check.name for check in node.check_keys),
        }
    return {
        "assets": assets,
        "jobs": sorted(job.name for job in definitions.jobs or []),
        "sensors": sorted(sensor.name for sensor in definitions.sensors or []),
        "schedules": sorted(schedule.name for schedule in definitions.schedules or []),
    }


def test_asset_graph_matches_the_reviewed_snapshot():
    assert graph_of(defs) == json.loads(SNAPSHOT.read_text(encoding="utf-8"))


def test_every_asset_has_the_project_owner_and_the_publication_waits_for_every_table():
    graph = graph_of(defs)["assets"]
    assert {owner for node in graph.values() for owner in node["owners"]} == {"team:g287"}
    tables = {key for key, node in graph.items() if node["group"] not in {"outputs", "publish"}}
    assert set(graph["published_database"]["deps"]) == tables


if __name__ == "__main__":
    print(json.dumps(graph_of(defs), indent=1))
