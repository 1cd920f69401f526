"""The Dagster instance's event log: Dagster's SQLite storage, with the same files, made cheap to write to.

Dagster's SQLite event log opens a new SQLAlchemy engine for every statement (so nothing is compiled
once) and stores a batch of events one event and two transactions at a time. A build of hundreds of
snapshot partitions logs one materialization (and one planned event) per partition, which made that
bookkeeping cost more than reading the rows. This storage keeps an engine per database file and writes
a batch of asset events in one transaction per file. The layout under `history/runs/` is Dagster's own,
so an instance written by either class is read by the other.

`dagster.yaml` names it as the instance's `event_log_storage` (see `g287_assets.cli.build`); this module
stays at the package's top so that name keeps working whatever moves inside the package.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from itertools import groupby

from dagster import Field, StringSource
from dagster._core.events import (
    ASSET_CHECK_EVENTS,
    ASSET_EVENTS,
    EVENT_TYPE_TO_PIPELINE_RUN_STATUS,
)
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.schema import AssetKeyTable, SqlEventLogStorageTable
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import QueuePool

# Engines of run databases kept at once: the UI reads many runs, a build writes one.
KEPT_ENGINES = 16


def event_log_dir(dagster_home: str) -> str:
    """Where Dagster's default SQLite storage keeps the event log of the instance at dagster_home."""
    return os.path.join(dagster_home, "history", "runs", "")


class BatchedSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage with one engine per database file and batches written in one transaction.

    Config: `dagster_home` (the instance's directory; its `history/runs/` holds the databases) or
    `base_dir` (that directory itself, as for SqliteEventLogStorage).
    """

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._tables: set[str] = set()
        super().__init__(base_dir, inst_data=inst_data)

    @classmethod
    def config_type(cls):
        return {
            "base_dir": Field(StringSource, is_required=False),
            "dagster_home": Field(StringSource, is_required=False),
        }

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        base_dir = config_value.get("base_dir") or event_log_dir(
            config_value.get("dagster_home") or os.environ["DAGSTER_HOME"]
        )
        return cls(base_dir, inst_data=inst_data)

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.pop(shard, None)
        if engine is None:
            # One connection kept open: opening a database and closing its last connection (which
            # checkpoints the WAL) cost more than the statements. Uses are serialized by the lock.
            engine = create_engine(
                self.conn_string_for_shard(shard),
                poolclass=QueuePool,
                pool_size=1,
                max_overflow=-1,  # initialising a database takes a second one
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            )
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
        self._engines[shard] = engine
        while len(self._engines) > KEPT_ENGINES:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        # As the parent's, one transaction per use under the lock; the engine, with its cache of compiled
        # statements and its open connection, outlives the call.
        with self._db_lock, self._engine(shard).connect() as conn, conn.begin():
            yield conn

    def dispose_engines(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def upgrade(self) -> None:
        self.dispose_engines()
        super().upgrade()
        self._tables.clear()

    def wipe(self) -> None:
        # No connection may stay open on a file that is deleted.
        self.dispose_engines()
        super().wipe()

    def dispose(self) -> None:
        self.dispose_engines()
        super().dispose()

    def has_table(self, table_name: str) -> bool:
        # Asked once per stored asset event; a table, once there, stays.
        if table_name not in self._tables and super().has_table(table_name):
            self._tables.add(table_name)
        return table_name in self._tables

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        """Asset events of one run: the run's database and the index each in one transaction."""
        # In order: runs of asset events together, any other event (a check's) on its own as Dagster does.
        for together, group in groupby(events, key=lambda e: (batchable(e), e.run_id)):
            group = list(group)
            if together[0]:
                self.store_asset_events(group)
            else:
                super().store_event_batch(group)

    def store_asset_events(self, events: list[EventLogEntry]) -> None:
        rows = [self._event_to_row(event) for event in events]
        with self.run_connection(events[0].run_id) as conn:
            conn.execute(SqlEventLogStorageTable.insert(), rows)
        with self.index_transaction() as conn:
            # The index's own ids, in the events' order, for the tags and the asset table.
            event_ids = list(
                conn.execute(
                    SqlEventLogStorageTable.insert().returning(
                        SqlEventLogStorageTable.c.id, sort_by_parameter_order=True
                    ),
                    rows,
                ).scalars()
            )
            self._store_asset_event_tags(conn, events, event_ids)
            self._store_asset_entries(conn, events, event_ids)

    def _store_asset_entries(self, conn: Connection, events: list[EventLogEntry], event_ids: list[int]):
        """What _store_asset_event does for each event, once per asset: its later events' values win."""
        has_index_cols = self._has_asset_key_index_cols_on_connection(conn)
        latest: dict[str, dict] = {}
        for event, event_id in zip(events, event_ids):
            values = self._get_asset_entry_values(event, event_id, has_index_cols)
            if values:
                latest.setdefault(event.get_dagster_event().asset_key.to_string(), {}).update(values)
        for asset_key, values in latest.items():
            try:
                conn.execute(AssetKeyTable.insert().values(asset_key=asset_key, **values))
            except IntegrityError:
                conn.execute(
                    AssetKeyTable.update().values(**values).where(AssetKeyTable.c.asset_key == asset_key)
                )


def batchable(event: EventLogEntry) -> bool:
    """An event that SqliteEventLogStorage.store_event only inserts and mirrors as an asset event."""
    return bool(
        event.is_dagster_event
        and event.dagster_event_type in ASSET_EVENTS
        and event.dagster_event_type not in ASSET_CHECK_EVENTS
        and event.dagster_event_type not in EVENT_TYPE_TO_PIPELINE_RUN_STATUS
        and event.get_dagster_event().asset_key
    )
