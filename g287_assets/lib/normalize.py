"""Text normalization shared by cleaning, history and geography.

ICE writes one agency several ways (trailing and double spaces, curly and straight apostrophes, case).
`display_name` keeps a readable form; `agency_key` folds every such variant onto one key, so the same
agency written two ways is one agency.
"""

from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NOT_KEY = re.compile(r"[^A-Z0-9 ]+")


def clean_text(value: object) -> str:
    """Cell text with Unicode folded (NFKC), non-breaking and repeated spaces collapsed, ends trimmed."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    text = _CONTROL.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def display_name(value: object) -> str:
    """A readable agency name: cleaned text with curly apostrophes made straight."""
    return clean_text(value).translate(_APOSTROPHES)


def agency_key(value: object) -> str:
    """The matching key of a name: upper case, apostrophes dropped, other punctuation made a space.

    "Bexar County Sheriff’s Office" and "BEXAR COUNTY SHERIFF'S  OFFICE " share the key
    "BEXAR COUNTY SHERIFFS OFFICE".
    """
    text = display_name(value).upper().replace("'", "").replace("&", " AND ")
    return _SPACES.sub(" ", _NOT_KEY.sub(" ", text)).strip()


def lookup_key(value: object) -> str:
    """The key under which reference tables are looked up: cleaned text in upper case."""
    return clean_text(value).upper()
