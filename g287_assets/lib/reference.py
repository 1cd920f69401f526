"""The project's own reference tables under data/reference/: vocabularies and corrections of ICE's data.

Every correction is a CSV row with a reason; the code applies the table and records which row fired.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from g287_assets.lib.normalize import agency_key, lookup_key

# Each table, the columns it must have; correction tables all carry a reason.
TABLES = {
    "states": ["state_name", "state_code", "state_fips"],
    "state_name_corrections": ["raw_value", "state_code", "reason"],
    "type_levels": ["raw_value", "level", "kind", "reason"],
    "support_type_models": ["raw_value", "model", "kind", "reason"],
    "models": ["model", "model_name", "description"],
    "level_patterns": ["priority", "pattern", "level", "applies", "reason"],
    "agency_name_corrections": ["state_code", "raw_name", "agency_name", "reason"],
    "snapshot_overrides": ["sha256", "snapshot_date", "status", "reason"],
    "signed_date_corrections": ["raw_value", "signed_date", "reason"],
    "agency_key_rules": ["rule", "pattern", "replacement", "reason"],
    "agency_aliases": ["state_code", "alias_name", "agency_name", "reason"],
}


class ReferenceError(ValueError):
    """A reference table is missing, malformed, or contradicts itself."""


@dataclass(frozen=True)
class AgencyIdentity:
    """One agency's key and the reference rows that led there from the name as written (none: its own key)."""

    agency_key: str
    rules: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reference:
    """The loaded tables plus the lookups cleaning needs, keyed by `lookup_key` of ICE's raw text."""

    tables: dict[str, pd.DataFrame]
    # sha256 over every table's bytes: cleaning is redone for all snapshots when a correction changes.
    fingerprint: str = ""

    def table(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    @property
    def state_codes(self) -> dict[str, tuple[str, str | None]]:
        """Raw state text -> (USPS code, id of the correction row that fired, or None for a canonical name)."""
        states = self.tables["states"]
        lookup = {lookup_key(name): (code, None) for name, code in zip(states.state_name, states.state_code)}
        fixes = self.tables["state_name_corrections"]
        lookup |= {
            lookup_key(raw): (code, f"state_name_corrections:{raw}")
            for raw, code in zip(fixes.raw_value, fixes.state_code)
        }
        return lookup

    @property
    def state_fips(self) -> dict[str, str]:
        states = self.tables["states"]
        return dict(zip(states.state_code, states.state_fips))

    def vocabulary(self, name: str, value_column: str) -> dict[str, tuple[str, str | None]]:
        """Raw text -> (value, correction id or None) for a table with raw_value, kind and a value column."""
        table = self.tables[name]
        return {
            lookup_key(raw): (value, None if kind == "canonical" else f"{name}:{raw}")
            for raw, value, kind in zip(table.raw_value, table[value_column], table.kind)
        }

    @property
    def signed_date_corrections(self) -> dict[str, tuple[str, str]]:
        """Raw SIGNED text -> (corrected ISO date, correction id)."""
        table = self.tables["signed_date_corrections"]
        return {
            lookup_key(raw): (fixed, f"signed_date_corrections:{raw}")
            for raw, fixed in zip(table.raw_value, table.signed_date)
        }

    @property
    def name_corrections(self) -> dict[tuple[str, str], tuple[str, str]]:
        """(state code, agency key of the raw name) -> (corrected display name, correction id)."""
        table = self.tables["agency_name_corrections"]
        return {
            (state, agency_key(raw)): (fixed, f"agency_name_corrections:{state}:{raw}")
            for state, raw, fixed in zip(table.state_code, table.raw_name, table.agency_name)
        }

    @cached_property
    def _key_rules(self) -> list[tuple[str, re.Pattern, str]]:
        rules = self.tables["agency_key_rules"]
        return [
            (rule, re.compile(pattern), replacement)
            for rule, pattern, replacement in zip(rules.rule, rules.pattern, rules.replacement, strict=True)
        ]

    def expand_key(self, key: str) -> tuple[str, list[str]]:
        """A name key with every abbreviation rule applied in the table's order, and the rules that fired."""
        fired = []
        for rule, pattern, replacement in self._key_rules:
            expanded = pattern.sub(replacement, key)
            if expanded != key:
                key = expanded
                fired.append(rule)
        return key, fired

    @cached_property
    def _reviewed_aliases(self) -> dict[tuple[str, str], tuple[str, str]]:
        """(state code, expanded key of the alias) -> (expanded key of the agency, correction id)."""
        table = self.tables["agency_aliases"]
        return {
            (state, self.expand_key(agency_key(alias))[0]): (
                self.expand_key(agency_key(name))[0],
                f"agency_aliases:{state}:{alias}",
            )
            for state, alias, name in zip(table.state_code, table.alias_name, table.agency_name, strict=True)
        }

    def agency_identity(self, state_code: str | None, name_key: str) -> AgencyIdentity:
        """The agency a name key denotes: abbreviation rules first, then a reviewed alias of the state.

        "TAMPA PD" is "TAMPA POLICE DEPARTMENT"; the returned rule reads `agency_key_rules:PD`, or
        `agency_aliases:<state>:<alias name>` when a reviewed row decided.
        """
        key, fired = self.expand_key(name_key)
        reviewed = self._reviewed_aliases.get((state_code, key))
        if reviewed is not None:
            return AgencyIdentity(reviewed[0], (reviewed[1],))
        return AgencyIdentity(key, tuple(f"agency_key_rules:{name}" for name in fired))

    def rule_reasons(self) -> dict[str, str]:
        """Each agency rule and reviewed alias by the id `agency_identity` gives it, with its reason."""
        rules, aliases = self.tables["agency_key_rules"], self.tables["agency_aliases"]
        return {
            f"agency_key_rules:{rule}": reason for rule, reason in zip(rules.rule, rules.reason, strict=True)
        } | {
            f"agency_aliases:{state}:{alias}": reason
            for state, alias, reason in zip(
                aliases.state_code, aliases.alias_name, aliases.reason, strict=True
            )
        }

    def agency_key_of(self, state_code: str | None, name: object) -> str:
        """The agency key of a name as a person writes it in a reference table or a scenario."""
        return self.agency_identity(state_code, agency_key(name)).agency_key


def load_reference(folder: Path) -> Reference:
    """Read and validate every table; a bad table is a clear error naming the file and the problem."""
    tables = {}
    digest = hashlib.sha256()
    for name, columns in TABLES.items():
        path = folder / f"{name}.csv"
        if not path.is_file():
            raise ReferenceError(f"reference table {path} is missing")
        digest.update(name.encode() + b"\0" + path.read_bytes())
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        missing = [column for column in columns if column not in table.columns]
        if missing:
            raise ReferenceError(f"{path}: missing columns {missing} (found {list(table.columns)})")
        if "reason" in columns and (table["reason"].str.strip() == "").any():
            rows = (table.index[table["reason"].str.strip() == ""] + 2).tolist()
            raise ReferenceError(f"{path}: every row needs a reason; lines {rows} have none")
        tables[name] = table
    _check_no_conflicts(tables)
    _check_patterns(folder, tables)
    return Reference(tables, digest.hexdigest())


def _check_patterns(folder: Path, tables: dict[str, pd.DataFrame]) -> None:
    """A rule whose pattern is not a regular expression fails the load, naming the rule."""
    for rule, pattern in zip(
        tables["agency_key_rules"].rule, tables["agency_key_rules"].pattern, strict=True
    ):
        try:
            re.compile(pattern)
        except re.error as error:
            raise ReferenceError(
                f"{folder / 'agency_key_rules.csv'}: rule {rule}: bad pattern ({error})"
            ) from error


def _check_no_conflicts(tables: dict[str, pd.DataFrame]) -> None:
    """A raw value mapped twice to different results would make cleaning depend on row order."""
    for name, value_column in (("type_levels", "level"), ("support_type_models", "model")):
        table = tables[name].assign(key=tables[name].raw_value.map(lookup_key))
        conflicting = table.groupby("key")[value_column].nunique()
        if (conflicting > 1).any():
            raise ReferenceError(
                f"{name}.csv maps {conflicting[conflicting > 1].index.tolist()} to several values"
            )
