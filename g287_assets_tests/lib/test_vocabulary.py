"""The program's vocabulary is written once in Python; the reference table and the report's script agree."""

import csv
import json
import re
from importlib import resources

from g287_assets.lib.settings import PROJECT_ROOT
from g287_assets.lib.vocabulary import LEVELS, MODELS


def test_the_models_are_those_of_the_reference_table_in_its_order() -> None:
    with (PROJECT_ROOT / "data" / "reference" / "models.csv").open(encoding="utf-8") as stream:
        assert tuple(row["model"] for row in csv.DictReader(stream)) == MODELS == ("JEM", "WSO", "TFM")


def test_the_report_simulator_uses_the_same_models_and_levels() -> None:
    script = (
        resources.files("g287_assets.lib.outputs").joinpath("templates", "simulator.js").read_text("utf-8")
    )
    written = dict(re.findall(r"var (MODELS|LEVELS) = (\[[^\]]*\]);", script))
    assert json.loads(written["MODELS"]) == list(MODELS)
    assert json.loads(written["LEVELS"]) == list(LEVELS) == ["county", "municipal", "state", "other"]
