"""Signing dates as ICE writes them: Excel dates, and text such as `05/082025`, `7/72025` or `2016-06-08`."""

from __future__ import annotations

import datetime as dt
import re

# The program began in 1996 (IIRIRA); nothing can be signed before it.
EARLIEST_SIGNING = dt.date(1996, 9, 30)

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")
# Month/day/year with the second slash sometimes missing (`05/082025`); the day takes one or two digits.
_US = re.compile(r"^(\d{1,2})[/-](\d{1,2})[/-]?(\d{4}|\d{2})$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def _valid(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_signed(text: str | None) -> dt.date | None:
    """The date a SIGNED cell states, or None when it is empty or unreadable. Never raises."""
    if text is None:
        return None
    value = str(text).strip()
    if not value:
        return None
    if match := _ISO.match(value):
        return _valid(*(int(part) for part in match.groups()))
    if match := _US.match(value):
        month, day, year = (int(part) for part in match.groups())
        if year < 100:
            year += 2000
        return _valid(year, month, day)
    if re.fullmatch(r"\d{5}(\.\d+)?", value):
        # A date cell stored as its Excel serial number.
        return _EXCEL_EPOCH + dt.timedelta(days=int(float(value)))
    return None


def plausible_signing(date: dt.date | None) -> dt.date | None:
    """A signing date kept only inside the program's life; outside it (year 3025, 1900) it is unknown.

    Dates up to a year ahead are kept: a misdated file is recognized by rows signed after its name's date.
    """
    latest = dt.date.today() + dt.timedelta(days=366)
    if date is None or date < EARLIEST_SIGNING or date > latest:
        return None
    return date
