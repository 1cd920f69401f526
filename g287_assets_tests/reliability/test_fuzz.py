"""Property-based tests: the text parsers never raise on any input, and normalization is stable.

ICE's cells and file names are free text typed by hand; a parser that raises on one odd value would stop a
whole build, and a normalizer that changes its own output would split one agency into two keys.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import example, given, settings
from hypothesis import strategies as st

from g287_assets.lib.cleaning.dates import parse_signed, plausible_signing
from g287_assets.lib.normalize import agency_key, display_name
from g287_assets.lib.snapshots.filenames import label_rank, parse_file_name

FUZZ = settings(max_examples=400, deadline=None)
# Text shaped like the values these parsers meet: digits, separators, ICE's words, any Unicode besides.
NAME_LIKE = st.lists(
    st.one_of(
        st.sampled_from("0123456789-_./\\ :TZ"),
        st.sampled_from(
            ["participating", "pending", "Agencies", "am", "mid", "pm", "wb", ".xlsx", "_b", "B"]
        ),
        st.characters(),
    ),
    max_size=40,
).map("".join)
DATE_LIKE = st.one_of(
    st.text(),
    st.from_regex(r"\A\d{1,5}[/-]?\d{1,5}[/-]?\d{1,5}( .*)?\Z"),
    st.from_regex(r"\A\d{4}-\d{1,2}-\d{1,2}[ T].{0,10}\Z"),
    st.from_regex(r"\A\d{5}(\.\d{1,4})?\Z"),
)


@FUZZ
@given(st.text())
@example("Bexar County Sheriff\u2019s  Office\x00\u2028")
@example("\u00b4\u0301 \u1e9b\u0323 \ufb01 \u2460")
def test_agency_key_never_raises_and_is_idempotent(text: str) -> None:
    key = agency_key(text)
    assert agency_key(key) == key
    assert key == key.strip() and "  " not in key


@FUZZ
@given(st.text())
@example("x\x00\u0301")
@example("\u0385 \u1fee \u2019\u0301")
def test_display_name_never_raises_and_is_idempotent(text: str) -> None:
    name = display_name(text)
    assert display_name(name) == name
    assert agency_key(name) == agency_key(text)


@FUZZ
@given(NAME_LIKE)
@example("participatingAgencies03093025am.xlsx")
@example("participatingAgencies-99999999999999.xlsx")
@example("pendingAgencies_2025-02-30_wb999999.xlsx")
@example("participatingAgencies0900220253pm.xlsx")
def test_parse_file_name_never_raises_and_its_label_ranks(name: str) -> None:
    info = parse_file_name(name, today=dt.date(2026, 5, 18))
    assert info.kind_hint in ("participating", "pending", "unknown")
    assert info.named_date is None or 2000 <= info.named_date.year <= 2027
    assert info.named_date is not None or info.problem
    assert 0 <= label_rank(info.label) < 24 * 3600


@FUZZ
@given(DATE_LIKE)
@example("3025-07-07")
@example("05/082025")
@example("99999.5")
@example("0/0/0000")
def test_parse_signed_never_raises(text: str) -> None:
    parsed = parse_signed(text)
    assert parsed is None or isinstance(parsed, dt.date)
    kept = plausible_signing(parsed)
    assert kept is None or kept.year < 2100
