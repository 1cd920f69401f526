"""The scenario engine: what-if questions about the 287(g) program, answered from the warehouse.

A scenario is a YAML file: a name, a description, an optional baseline date and a list of operations applied
in order to the agreements active on that date:

- ``sign``: agencies gain a model. Agencies that hold no agreement can be named: every Census county has a
  sheriff (except in the states of data/reference/states_without_county_sheriffs.csv) and every Census place a
  police department, so "every sheriff in Texas" is 254 agencies whether or not ICE ever listed them.
- ``end``: agreements end.
- ``as_of``: the agreements become those active on another date (to compare the program then with now).

Coverage follows the marts' rule (local agencies only, a resident counted once, state agencies beside it) through
one shared SQL file, geography/coverage.sql, so a scenario's baseline equals marts.state_summary.
Everything here is set-based SQL over DuckDB temp tables: the engine reads the warehouse and writes nothing to it,
so the command line and the Dagster job can run it on the published database opened read-only.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb
import pandas as pd
import yaml

from g287_assets.lib.geography.jurisdictions import NOT_FOUND
from g287_assets.lib.normalize import agency_key, clean_text
from g287_assets.lib.reference import load_reference
from g287_assets.lib.settings import PROJECT_REFERENCE_DIR, PROJECT_ROOT, Paths
from g287_assets.lib.vocabulary import LEVELS, MODELS
from g287_assets.lib.warehouse.database import run_script

REQUESTED_MODEL = "requested"
# USPS codes of the states, DC and the territories ICE lists agencies in (the project's states table).
STATE_CODES = sorted(
    pd.read_csv(PROJECT_REFERENCE_DIR / "states.csv", dtype=str, keep_default_na=False)["state_code"]
)

SCENARIO_FIELDS = ("name", "title", "description", "baseline", "operations")
OPERATION_FIELDS = {
    "sign": (
        "model",
        "states",
        "level",
        "holding",
        "not_holding",
        "min_population",
        "max_population",
        "agencies",
        "pending",
    ),
    "end": ("states", "level", "model", "signed_from", "signed_to", "agencies"),
    "as_of": ("date",),
}
AGENCY_FIELDS = ("state", "name")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")

NO_SHERIFF_FILE = "states_without_county_sheriffs.csv"
SCENARIO_SUFFIXES = (".yaml", ".yml")


class ScenarioError(ValueError):
    """A scenario that cannot be run: a bad field or value, a file outside the scenario folders, no list."""


class NotApplicable(ScenarioError):
    """A valid scenario this history cannot answer: its date lies outside the usable lists, say."""


# scenarios.definitions.status: a preset that ran, or one this history cannot answer (with its reason).
RAN = "ran"
NOT_APPLICABLE = "not_applicable"


# ---- the definition ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgencyRef:
    """An agency named in a scenario, matched by state and the same key as ICE's names."""

    state_code: str
    agency_name: str
    # The agency key under the reference tables' identity rules ("... PD" is "... Police Department"), set
    # when the scenario runs; the plain key of the name until then.
    key: str | None = None

    @property
    def match_key(self) -> str:
        return f"{self.state_code}|{self.key or agency_key(self.agency_name)}"


@dataclass(frozen=True)
class Selection:
    """Which agencies (sign) or agreements (end) an operation applies to; an empty field selects all."""

    states: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    holding: tuple[str, ...] = ()
    not_holding: tuple[str, ...] = ()
    min_population: int | None = None
    max_population: int | None = None
    signed_from: dt.date | None = None
    signed_to: dt.date | None = None
    agencies: tuple[AgencyRef, ...] = ()
    pending: bool = False


@dataclass(frozen=True)
class Operation:
    action: str
    model: str | None = None
    selection: Selection = field(default_factory=Selection)
    date: dt.date | None = None


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    operations: tuple[Operation, ...]
    baseline: dt.date | None = None
    source: str = ""
    title: str = ""


def _fail(where: str, message: str) -> ScenarioError:
    return ScenarioError(f"{where}: {message}")


def _check_fields(data: object, allowed: Sequence[str], where: str) -> dict:
    if not isinstance(data, Mapping):
        raise _fail(where, f"expected a mapping with fields {', '.join(allowed)}, got {type(data).__name__}")
    unknown = [str(name) for name in data if name not in allowed]
    if unknown:
        raise _fail(where, f"unknown field '{unknown[0]}'; allowed fields: {', '.join(allowed)}")
    return dict(data)


def _as_list(value: object) -> list:
    return list(value) if isinstance(value, list | tuple) else [value]


def _choices(value: object, allowed: Sequence[str], where: str, name: str) -> tuple[str, ...]:
    """One value or a list of values, each one of `allowed` (compared as written: JEM, TX, county)."""
    values = _as_list(value)
    if not values:
        raise _fail(where, f"field '{name}' is an empty list; allowed values: {', '.join(allowed)}")
    for item in values:
        if not isinstance(item, str) or item not in allowed:
            raise _fail(where, f"field '{name}': {item!r} is not one of {', '.join(allowed)}")
    return tuple(dict.fromkeys(values))


def _date(value: object, where: str, name: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise _fail(where, f"field '{name}': {value!r} is not a date (YYYY-MM-DD)") from None


def _population(value: object, where: str, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _fail(where, f"field '{name}': {value!r} is not a whole number of residents (0 or more)")
    return value


def _agencies(value: object, where: str) -> tuple[AgencyRef, ...]:
    refs = []
    for number, item in enumerate(_as_list(value), start=1):
        entry = _check_fields(item, AGENCY_FIELDS, f"{where}: agency {number}")
        state = _choices(entry.get("state"), STATE_CODES, f"{where}: agency {number}", "state")[0]
        name = clean_text(entry.get("name"))
        if not name:
            raise _fail(f"{where}: agency {number}", "field 'name' is missing or empty")
        refs.append(AgencyRef(state, name))
    return tuple(refs)


def _bounded(low: object, high: object, where: str, names: tuple[str, str]) -> None:
    if low is not None and high is not None and low > high:
        raise _fail(where, f"'{names[0]}' ({low}) is after '{names[1]}' ({high})")


def _selection(entry: dict, action: str, where: str) -> Selection:
    """The selection fields of one operation; `model` is a selection for `end` only."""
    values: dict = {}
    if "states" in entry:
        values["states"] = _choices(entry["states"], STATE_CODES, where, "states")
    if "level" in entry:
        values["levels"] = _choices(entry["level"], LEVELS, where, "level")
    if action == "end" and "model" in entry:
        values["models"] = _choices(entry["model"], MODELS, where, "model")
    for name in ("holding", "not_holding"):
        if name in entry:
            values[name] = _choices(entry[name], MODELS, where, name)
    for name in ("min_population", "max_population"):
        if name in entry:
            values[name] = _population(entry[name], where, name)
    for name in ("signed_from", "signed_to"):
        if name in entry:
            values[name] = _date(entry[name], where, name)
    if "agencies" in entry:
        values["agencies"] = _agencies(entry["agencies"], where)
    if "pending" in entry:
        if not isinstance(entry["pending"], bool):
            raise _fail(where, f"field 'pending': {entry['pending']!r} is not one of true, false")
        values["pending"] = entry["pending"]
    selection = Selection(**values)
    _bounded(selection.min_population, selection.max_population, where, ("min_population", "max_population"))
    _bounded(selection.signed_from, selection.signed_to, where, ("signed_from", "signed_to"))
    return selection


def _operation(item: object, where: str) -> Operation:
    """One operation, written as a mapping with a single key, the action: `- sign: {model: JEM, ...}`."""
    if not isinstance(item, Mapping) or len(item) != 1:
        raise _fail(where, f"an operation is a mapping with one key, one of {', '.join(OPERATION_FIELDS)}")
    action, body = next(iter(item.items()))
    if action not in OPERATION_FIELDS:
        raise _fail(where, f"unknown operation {action!r}; allowed operations: {', '.join(OPERATION_FIELDS)}")
    where = f"{where} ({action})"
    entry = _check_fields(body if body is not None else {}, OPERATION_FIELDS[action], where)
    if action == "as_of":
        if "date" not in entry:
            raise _fail(where, "field 'date' is required")
        return Operation(action, date=_date(entry["date"], where, "date"))
    selection = _selection(entry, action, where)
    if action == "end":
        return Operation(action, selection=selection)
    return Operation(action, model=_sign_model(entry, selection, where), selection=selection)


def _sign_model(entry: dict, selection: Selection, where: str) -> str:
    allowed = (*MODELS, REQUESTED_MODEL)
    if "model" not in entry:
        raise _fail(where, f"field 'model' is required; allowed values: {', '.join(allowed)}")
    model = entry["model"]
    if model not in allowed:
        raise _fail(where, f"field 'model': {model!r} is not one of {', '.join(allowed)}")
    if model == REQUESTED_MODEL and not selection.pending:
        raise _fail(where, f"field 'model': {REQUESTED_MODEL!r} (the model asked for) needs 'pending: true'")
    return model


def parse_scenario(data: object, source: str) -> Scenario:
    """A validated scenario, or a ScenarioError naming the bad field and the allowed values."""
    entry = _check_fields(data, SCENARIO_FIELDS, source)
    name = entry.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise _fail(source, f"field 'name': {name!r} must be lower-case letters, digits, '_' or '-'")
    where = f"{source} [{name}]"
    description = entry.get("description")
    if not isinstance(description, str) or not description.strip():
        raise _fail(where, "field 'description' is required (a sentence saying what the scenario asks)")
    title = entry.get("title", name)
    if not isinstance(title, str) or not title.strip():
        raise _fail(where, "field 'title' must be a short text (shown as the scenario's heading)")
    baseline = _date(entry["baseline"], where, "baseline") if entry.get("baseline") is not None else None
    operations = entry.get("operations")
    if not isinstance(operations, list) or not operations:
        raise _fail(where, f"field 'operations' must be a non-empty list of {', '.join(OPERATION_FIELDS)}")
    parsed = tuple(
        _operation(item, f"{where}: operation {number}") for number, item in enumerate(operations, start=1)
    )
    return Scenario(name, " ".join(description.split()), parsed, baseline, source, " ".join(title.split()))


def scenario_from_yaml(text: str, source: str = "scenario text") -> Scenario:
    """Parse YAML text (safe_load: no Python objects) into a scenario."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise _fail(source, f"not valid YAML: {error}") from None
    return parse_scenario(data, source)


def resolve_scenario_path(name: str | Path, folders: Sequence[Path]) -> Path:
    """The file a scenario name or path designates, refused unless it lies inside one of `folders`.

    Scenario files come from people and run config; reading only inside the scenario folders keeps a typed
    path from turning the simulator into a reader of any file on the machine.
    """
    roots = [folder.resolve() for folder in folders]
    given = Path(name)
    candidates = [given.resolve()] if given.is_absolute() else [root / given for root in roots]
    candidates += [] if given.is_absolute() else [given.resolve()]
    for candidate in candidates:
        resolved = candidate.resolve()
        inside = any(resolved.is_relative_to(root) for root in roots)
        if inside and resolved.is_file():
            return resolved
    for candidate in candidates:
        resolved = candidate.resolve()
        if resolved.exists() and not any(resolved.is_relative_to(root) for root in roots):
            raise ScenarioError(
                f"scenario file {name}: {resolved} is outside the scenario folders "
                f"({', '.join(str(root) for root in roots)}); copy it into one of them"
            )
    raise ScenarioError(
        f"scenario file {name}: not found in the scenario folders ({', '.join(str(root) for root in roots)})"
    )


def load_scenario_file(name: str | Path, folders: Sequence[Path]) -> Scenario:
    path = resolve_scenario_path(name, folders)
    if path.suffix not in SCENARIO_SUFFIXES:
        raise ScenarioError(f"scenario file {name}: expected a {' or '.join(SCENARIO_SUFFIXES)} file")
    return scenario_from_yaml(path.read_text(encoding="utf-8"), source=path.name)


def preset_files(folders: Sequence[Path]) -> list[Path]:
    """Every scenario file of the folders; a file of an earlier folder hides one of the same name later."""
    chosen: dict[str, Path] = {}
    for folder in folders:
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                if path.suffix in SCENARIO_SUFFIXES and path.is_file():
                    chosen.setdefault(path.name, path)
    return [chosen[name] for name in sorted(chosen)]


def load_presets(folders: Sequence[Path]) -> list[Scenario]:
    scenarios = [load_scenario_file(path, folders) for path in preset_files(folders)]
    _unique_names(scenarios)
    return scenarios


def _unique_names(scenarios: Sequence[Scenario]) -> None:
    seen: dict[str, str] = {}
    for scenario in scenarios:
        if scenario.name in seen:
            raise ScenarioError(
                f"scenario name {scenario.name!r} is used by both {seen[scenario.name]} and {scenario.source}"
            )
        seen[scenario.name] = scenario.source


def scenario_folders(paths: Paths, project_dir: Path = PROJECT_ROOT) -> list[Path]:
    """Where scenario files may live: the data dir's scenarios folder, then the project's data/scenarios."""
    return list(dict.fromkeys([paths.scenarios, project_dir / "data" / "scenarios"]))


def states_without_county_sheriffs(paths: Paths) -> list[str]:
    """States whose counties have no sheriff to sign (reviewed list, a reason per row), from the reference
    folder in use, else the project's own copy."""
    path = paths.reference_dir / NO_SHERIFF_FILE
    if not path.is_file():
        path = PROJECT_REFERENCE_DIR / NO_SHERIFF_FILE
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [column for column in ("state_code", "reason") if column not in table.columns]
    if missing or (table["reason"].str.strip() == "").any():
        raise ScenarioError(f"{NO_SHERIFF_FILE}: needs state_code and a reason on every row")
    return sorted(table["state_code"].str.strip().str.upper())


# ---- the engine -------------------------------------------------------------------------------------------

USABLE = "usable"
PARTICIPATING = "participating"
UNMATCHED_PENDING_REASON = (
    "pending agency named in no participating list and not matched to a Census jurisdiction "
    "(scenarios.pending_agencies is absent)"
)

NEWEST_LIST_SQL = """
SELECT snapshot_key, snapshot_date
FROM raw.snapshots
WHERE status = $status AND list_kind = $kind AND ($day::DATE IS NULL OR snapshot_date <= $day::DATE)
ORDER BY snapshot_at DESC, snapshot_key DESC
LIMIT 1
"""

FIRST_LIST_SQL = "SELECT min(snapshot_date) FROM raw.snapshots WHERE status = $status AND list_kind = $kind"

UNKNOWN_AGENCIES_SQL = """
SELECT unnest($agencies::VARCHAR[]) AS wanted
EXCEPT
SELECT state_code || '|' || agency_key FROM scenario_candidates
"""

MATCHED_PENDING_SQL = """
CREATE OR REPLACE TEMP TABLE pending_matches AS
SELECT state_code, agency_key, jurisdiction_level, jurisdiction_name, county_fips, place_geoid, population,
       match_method, not_found_reason
FROM scenarios.pending_agencies
"""

UNMATCHED_PENDING_SQL = """
CREATE OR REPLACE TEMP TABLE pending_matches AS
SELECT state_code, agency_key, 'other' AS jurisdiction_level, NULL::VARCHAR AS jurisdiction_name,
       NULL::VARCHAR AS county_fips, NULL::VARCHAR AS place_geoid, NULL::BIGINT AS population,
       $not_found AS match_method, $reason AS not_found_reason
FROM pending_list
"""

PENDING_BRIDGE_SQL = """
CREATE OR REPLACE TEMP TABLE pending_bridge AS
SELECT state_code, agency_key, county_fips, part_population FROM scenarios.pending_agency_counties
"""

EMPTY_PENDING_BRIDGE_SQL = """
CREATE OR REPLACE TEMP TABLE pending_bridge (
    state_code VARCHAR, agency_key VARCHAR, county_fips VARCHAR, part_population BIGINT
)
"""


@dataclass(frozen=True)
class Simulation:
    """What the engine returns: the frames of scenarios.results, county_coverage, changes and definitions."""

    results: pd.DataFrame
    county_coverage: pd.DataFrame
    changes: pd.DataFrame
    definitions: pd.DataFrame


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    schema, table = name.split(".")
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def pending_list(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The newest usable pending list, one row per agency, with `known` when a participating list named it."""
    run_script(con, "scenarios/pending.sql")
    return con.execute("SELECT * FROM pending_list").df()


PENDING_TABLE_SQL = """
SELECT p.state_code, p.state_fips, p.agency_name, p.agency_key, p.level, p.county_name, p.requested_models,
       p.snapshot_key, p.snapshot_date,
       coalesce(j.jurisdiction_level, m.jurisdiction_level, 'other') AS jurisdiction_level,
       coalesce(j.jurisdiction_name, m.jurisdiction_name) AS jurisdiction_name,
       coalesce(j.county_fips, m.county_fips) AS county_fips,
       coalesce(j.place_geoid, m.place_geoid) AS place_geoid,
       coalesce(j.population, m.population) AS population,
       coalesce(j.match_method, m.match_method, $not_found) AS match_method,
       CASE WHEN j.agency_key IS NOT NULL THEN j.not_found_reason
            WHEN m.match_method IS NULL THEN $reason ELSE m.not_found_reason END AS not_found_reason,
       CASE WHEN p.known THEN $known_source ELSE $matched_source END AS jurisdiction_source
FROM pending_list p
LEFT JOIN geo.agency_jurisdictions j ON j.state_code = p.state_code AND j.agency_key = p.agency_key
LEFT JOIN matched_pending m ON m.state_code = p.state_code AND m.agency_key = p.agency_key
ORDER BY p.state_code, p.agency_key
"""
MATCHED_COLUMNS = [
    "state_code",
    "agency_key",
    "jurisdiction_level",
    "jurisdiction_name",
    "county_fips",
    "place_geoid",
    "population",
    "match_method",
    "not_found_reason",
]


def pending_agencies_table(con: duckdb.DuckDBPyConnection, matched: pd.DataFrame | None) -> pd.DataFrame:
    """scenarios.pending_agencies: each pending agency with the jurisdiction a participating list gave it,
    else the one `matched` (lib.jurisdictions.match_agencies rows of the others) gives it, else NOT FOUND.
    Needs the pending_list temp table (`pending_list`)."""
    frame = matched[MATCHED_COLUMNS] if matched is not None else pd.DataFrame(columns=MATCHED_COLUMNS)
    con.register("matched_pending", frame.astype({"population": "Int64"}))
    try:
        return con.execute(
            PENDING_TABLE_SQL,
            {
                "not_found": NOT_FOUND,
                "reason": UNMATCHED_PENDING_REASON,
                "known_source": "geo.agency_jurisdictions",
                "matched_source": "matched",
            },
        ).df()
    finally:
        con.unregister("matched_pending")


def _pending_jurisdictions(con: duckdb.DuckDBPyConnection) -> None:
    """Pending agencies' jurisdictions as matched by the scenarios asset, else NOT FOUND (said so)."""
    if table_exists(con, "scenarios.pending_agencies"):
        con.execute(MATCHED_PENDING_SQL)
    else:
        con.execute(UNMATCHED_PENDING_SQL, {"not_found": NOT_FOUND, "reason": UNMATCHED_PENDING_REASON})
    if table_exists(con, "scenarios.pending_agency_counties"):
        con.execute(PENDING_BRIDGE_SQL)
    else:
        con.execute(EMPTY_PENDING_BRIDGE_SQL)


def prepare_inputs(con: duckdb.DuckDBPyConnection, no_sheriff_states: Sequence[str]) -> None:
    """The temp tables every scenario draws from: candidates to sign, the county bridge, empty runs."""
    run_script(con, "scenarios/pending.sql")
    _pending_jurisdictions(con)
    run_script(con, "scenarios/inputs.sql", {"no_sheriff_states": list(no_sheriff_states)})


def list_on_or_before(con: duckdb.DuckDBPyConnection, day: dt.date | None, where: str) -> tuple[str, dt.date]:
    """The newest usable participating list dated on or before `day` (the newest of all when None)."""
    found = con.execute(NEWEST_LIST_SQL, {"status": USABLE, "kind": PARTICIPATING, "day": day}).fetchone()
    if found is None:
        first = con.execute(FIRST_LIST_SQL, {"status": USABLE, "kind": PARTICIPATING}).fetchone()[0]
        if first is None:
            raise NotApplicable(f"{where}: the history has no usable participating list")
        raise NotApplicable(
            f"{where}: no usable participating list on or before {day} (the history's first usable list is "
            f"of {first})"
        )
    return found[0], found[1]


def load_list(con: duckdb.DuckDBPyConnection, run: str, snapshot_key: str, operation: int) -> None:
    run_script(
        con, "scenarios/load_list.sql", {"run": run, "snapshot_key": snapshot_key, "operation": operation}
    )
    con.execute(
        "INSERT INTO coverage_runs SELECT $run WHERE $run NOT IN (SELECT run FROM coverage_runs)",
        {"run": run},
    )


def _list_or_null(values: Sequence) -> list | None:
    return list(values) if values else None


def _check_agencies_exist(con: duckdb.DuckDBPyConnection, selection: Selection, where: str) -> None:
    """A named agency must be listed, pending or a Census seat: a typo must not silently select nothing."""
    if not selection.agencies:
        return
    wanted = {ref.match_key: ref for ref in selection.agencies}
    unknown = [row[0] for row in con.execute(UNKNOWN_AGENCIES_SQL, {"agencies": list(wanted)}).fetchall()]
    if unknown:
        names = "; ".join(f"{wanted[key].state_code} {wanted[key].agency_name}" for key in sorted(unknown))
        raise _fail(
            where,
            f"unknown agencies: {names} (name an agency of ICE's lists, or a Census county's "
            "'<County> Sheriff's Office' or place's '<Place> Police Department')",
        )


def _operation_parameters(run: str, number: int, operation: Operation) -> dict:
    selection = operation.selection
    common = {
        "run": run,
        "states": _list_or_null(selection.states),
        "levels": _list_or_null(selection.levels),
        "agencies": _list_or_null([ref.match_key for ref in selection.agencies]),
    }
    if operation.action == "end":
        return common | {
            "models": _list_or_null(selection.models),
            "signed_from": selection.signed_from,
            "signed_to": selection.signed_to,
        }
    return common | {
        "operation": number,
        "model": operation.model,
        "requested": operation.model == REQUESTED_MODEL,
        "holding": _list_or_null(selection.holding),
        "not_holding": _list_or_null(selection.not_holding),
        "min_population": selection.min_population,
        "max_population": selection.max_population,
        "pending": selection.pending,
    }


def apply_operation(
    con: duckdb.DuckDBPyConnection, run: str, number: int, operation: Operation, where: str
) -> None:
    """One operation on a run's agreements, in SQL: a DELETE (end), an INSERT (sign) or a reload (as_of)."""
    where = f"{where}: operation {number} ({operation.action})"
    if operation.action == "as_of":
        snapshot_key, _ = list_on_or_before(con, operation.date, where)
        load_list(con, run, snapshot_key, number)
        return
    _check_agencies_exist(con, operation.selection, where)
    script = "scenarios/sign.sql" if operation.action == "sign" else "scenarios/end.sql"
    run_script(con, script, _operation_parameters(run, number, operation))


def run_scenario(con: duckdb.DuckDBPyConnection, scenario: Scenario, loaded: set[str]) -> dict:
    """Load the scenario's baseline (once per list), copy it and apply the operations in order."""
    where = scenario.source or scenario.name
    snapshot_key, snapshot_date = list_on_or_before(con, scenario.baseline, where)
    baseline_run = f"baseline {snapshot_key}"
    if baseline_run not in loaded:
        load_list(con, baseline_run, snapshot_key, 0)
        loaded.add(baseline_run)
    run = f"scenario {scenario.name}"
    run_script(con, "scenarios/copy_run.sql", {"run": run, "baseline_run": baseline_run})
    for number, operation in enumerate(scenario.operations, start=1):
        apply_operation(con, run, number, operation, f"{where} [{scenario.name}]")
    return {
        "scenario": scenario.name,
        "run": run,
        "baseline_run": baseline_run,
        "baseline_date": snapshot_date,
        "baseline_snapshot_key": snapshot_key,
    }


def discard_run(con: duckdb.DuckDBPyConnection, scenario: Scenario) -> None:
    """Remove what a scenario that could not finish left in the temp tables."""
    run = f"scenario {scenario.name}"
    con.execute("DELETE FROM coverage_agreements WHERE run = $run", {"run": run})
    con.execute("DELETE FROM coverage_runs WHERE run = $run", {"run": run})


def with_agency_keys(scenario: Scenario, key_of: Callable[[str, str], str]) -> Scenario:
    """The scenario with each named agency keyed as ICE's names are (the reference tables' identity rules)."""

    def keyed(operation: Operation) -> Operation:
        if not operation.selection.agencies:
            return operation
        agencies = tuple(
            replace(ref, key=key_of(ref.state_code, ref.agency_name)) for ref in operation.selection.agencies
        )
        return replace(operation, selection=replace(operation.selection, agencies=agencies))

    return replace(scenario, operations=tuple(keyed(operation) for operation in scenario.operations))


def simulate(
    con: duckdb.DuckDBPyConnection,
    scenarios: Sequence[Scenario],
    no_sheriff_states: Sequence[str],
    strict: bool = True,
    key_of: Callable[[str, str], str] | None = None,
) -> Simulation:
    """Run every scenario against the warehouse `con` reads (temp tables only: a read-only connection works).

    With `strict=False` (the presets of a build) a scenario this history cannot answer is recorded in the
    definitions with its reason and the others still run; otherwise its NotApplicable error is raised.
    """
    _unique_names(scenarios)
    if key_of is not None:
        scenarios = [with_agency_keys(scenario, key_of) for scenario in scenarios]
    prepare_inputs(con, no_sheriff_states)
    loaded: set[str] = set()
    ran, not_applicable = [], {}
    for scenario in scenarios:
        try:
            ran.append(run_scenario(con, scenario, loaded))
        except NotApplicable as problem:
            if strict:
                raise
            discard_run(con, scenario)
            not_applicable[scenario.name] = str(problem)
    runs = pd.DataFrame(
        ran, columns=["scenario", "run", "baseline_run", "baseline_date", "baseline_snapshot_key"]
    )
    con.register("scenario_runs_frame", runs)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE scenario_runs AS "
        "SELECT scenario::VARCHAR AS scenario, run::VARCHAR AS run, baseline_run::VARCHAR AS baseline_run, "
        "baseline_date::DATE AS baseline_date, baseline_snapshot_key::VARCHAR AS baseline_snapshot_key "
        "FROM scenario_runs_frame"
    )
    con.unregister("scenario_runs_frame")
    run_script(con, "geography/coverage.sql")
    run_script(con, "scenarios/results.sql")
    return Simulation(
        results=con.execute("SELECT * FROM scenario_results").df(),
        county_coverage=con.execute("SELECT * FROM scenario_county_coverage").df(),
        changes=con.execute("SELECT * FROM scenario_changes").df(),
        definitions=definitions_frame(scenarios, runs, not_applicable),
    )


# ---- describing scenarios ---------------------------------------------------------------------------------


def describe_selection(selection: Selection) -> str:
    parts = [
        f"states {'/'.join(selection.states)}" if selection.states else "",
        f"level {'/'.join(selection.levels)}" if selection.levels else "",
        f"model {'/'.join(selection.models)}" if selection.models else "",
        f"holding {'/'.join(selection.holding)}" if selection.holding else "",
        f"not holding {'/'.join(selection.not_holding)}" if selection.not_holding else "",
        f"population >= {selection.min_population:,}" if selection.min_population is not None else "",
        f"population <= {selection.max_population:,}" if selection.max_population is not None else "",
        f"signed from {selection.signed_from}" if selection.signed_from else "",
        f"signed to {selection.signed_to}" if selection.signed_to else "",
        f"{len(selection.agencies)} named agencies" if selection.agencies else "",
        "pending agencies" if selection.pending else "",
    ]
    return ", ".join(part for part in parts if part) or "all"


def describe_operation(operation: Operation) -> str:
    """One line a reader can check against the YAML, e.g. 'sign JEM: states TX, level county'."""
    if operation.action == "as_of":
        return f"as_of {operation.date}: the agreements active on that date"
    head = f"sign {operation.model}" if operation.action == "sign" else "end"
    return f"{head}: {describe_selection(operation.selection)}"


DEFINITION_COLUMNS = [
    "scenario",
    "title",
    "description",
    "source",
    "status",
    "status_reason",
    "baseline_requested",
    "baseline_date",
    "baseline_snapshot_key",
    "operations",
]


def definitions_frame(
    scenarios: Sequence[Scenario], runs: pd.DataFrame, not_applicable: Mapping[str, str]
) -> pd.DataFrame:
    baselines = runs.set_index("scenario")
    rows = []
    for scenario in scenarios:
        ran = scenario.name in baselines.index
        rows.append(
            {
                "scenario": scenario.name,
                "title": scenario.title or scenario.name,
                "description": scenario.description,
                "source": scenario.source,
                "status": RAN if ran else NOT_APPLICABLE,
                "status_reason": None if ran else not_applicable[scenario.name],
                "baseline_requested": scenario.baseline,
                "baseline_date": baselines.loc[scenario.name, "baseline_date"] if ran else None,
                "baseline_snapshot_key": baselines.loc[scenario.name, "baseline_snapshot_key"]
                if ran
                else None,
                "operations": "; ".join(
                    f"{number}. {describe_operation(operation)}"
                    for number, operation in enumerate(scenario.operations, start=1)
                ),
            }
        )
    return pd.DataFrame(rows, columns=DEFINITION_COLUMNS)


def simulate_published(paths: Paths, scenario: Scenario) -> Simulation:
    """Run one scenario on the published database, opened read-only: the engine writes temp tables only, so
    it never waits for, or blocks, a build."""
    if not paths.published_db.is_file():
        raise ScenarioError(f"no published database at {paths.published_db}: run `g287 build` first")
    key_of = load_reference(paths.reference_dir).agency_key_of
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        return simulate(con, [scenario], states_without_county_sheriffs(paths), key_of=key_of)
