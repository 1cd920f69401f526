"""The history engine on a small synthetic archive of bench/synthetic.py, against that archive's own truth.

The benchmark runs the same check at 10,000 lists x 2,000 rows; here the archive is small enough for every
test run, and several seeds vary which agreements churn and how.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from bench.synthetic import ArchiveShape, generate, truth_mismatches, truth_sizes
from g287_assets.lib.history.engine import MANUAL_LINK_COLUMNS, build_history

NO_LINKS = pd.DataFrame(columns=list(MANUAL_LINK_COLUMNS))


@pytest.fixture(params=[287, 1, 2], ids=lambda seed: f"seed{seed}")
def synthetic_db(request, tmp_path: Path) -> Path:
    path = tmp_path / "synthetic.duckdb"
    generate(path, ArchiveShape(snapshots=40, rows=150, seed=request.param, extra_file_every=5))
    return path


def test_history_matches_the_synthetic_truth_exactly(synthetic_db):
    with duckdb.connect(str(synthetic_db)) as con:
        stats = build_history(con, NO_LINKS)
        sizes = truth_sizes(con)
        assert truth_mismatches(con) == dict.fromkeys(sizes, 0)
    assert min(sizes.values()) > 0, sizes
    assert (stats.ended, stats.corrected, stats.gaps) == (
        sizes["cancellations"],
        sizes["corrections"],
        sizes["gaps"],
    )


def test_files_that_must_not_drive_history_are_present(synthetic_db):
    with duckdb.connect(str(synthetic_db), read_only=True) as con:
        kinds = dict(
            con.execute(
                "SELECT list_kind || '/' || status, count(*) FROM raw.snapshots GROUP BY ALL"
            ).fetchall()
        )
        swapped = con.execute(
            "SELECT count(*) FROM raw.snapshots WHERE starts_with(quality_reason, 'swapped')"
        ).fetchall()[0][0]
    assert kinds["participating/usable"] == 40
    assert kinds["participating/quarantined"] > 0 and kinds["pending/usable"] > 0
    assert swapped > 0


def test_generation_is_reproducible(tmp_path: Path):
    tables = []
    for name in ("first", "second"):
        path = tmp_path / f"{name}.duckdb"
        generate(path, ArchiveShape(snapshots=12, rows=30, seed=5))
        with duckdb.connect(str(path), read_only=True) as con:
            tables.append(
                con.execute("SELECT * FROM clean.agreements ORDER BY ALL").df(),
            )
    pd.testing.assert_frame_equal(*tables)
