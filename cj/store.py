"""The workspace and the one place SQL runs.

* :func:`connect` makes a DuckDB connection (one per user session; DuckDB
  connections are not thread-safe, so never share one across sessions).
* :func:`run` executes every statement in the product: values are bound,
  identifiers go through :func:`quote_ident`.
* :class:`Workspace` keeps datasets on disk: ``<root>/<id>/events.parquet``,
  ``rejects.parquet`` and ``meta.json``, plus ``catalog.json`` listing them.
  Every write goes to a temporary name first and is renamed into place, so a
  crash mid-write leaves either the old state or the new one, never half.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: in-process lock only
    fcntl = None
import threading
import weakref

from . import config
from .errors import ResourceError, StoreError

SAMPLE_ID = "sample"
STALE_SECONDS = 24 * 3600
"""Age after which abandoned staging folders and uploads are removed (see Workspace._recover)."""
_ID_RE = re.compile(r"^[A-Za-z0-9_-]{6,64}$")


# --------------------------------------------------------------------------- SQL

def connect(*, memory_limit: str | None = None, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """A fresh in-memory DuckDB connection with the product's limits set."""
    con = duckdb.connect(":memory:")
    con.execute(f"SET memory_limit = '{_safe_setting(memory_limit or config.get('CJ_DUCKDB_MEMORY_LIMIT'))}'")
    con.execute(f"SET threads = {int(threads or config.get('CJ_DUCKDB_THREADS'))}")
    tmp = Path(tempfile.gettempdir()) / "cj-duckdb-spill"
    tmp.mkdir(parents=True, exist_ok=True)
    con.execute(f"SET temp_directory = '{_safe_setting(str(tmp))}'")
    con.execute("SET TimeZone = 'UTC'")
    return con


def _safe_setting(value: str) -> str:
    if "'" in value:
        raise ValueError(f"setting value must not contain quotes: {value!r}")
    return value


def quote_ident(name: str) -> str:
    """Quote an identifier for DuckDB (the only place identifiers are quoted)."""
    return '"' + str(name).replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """Quote a string literal, only for DDL/options where binding is impossible."""
    return "'" + str(value).replace("'", "''") + "'"


def run(con: duckdb.DuckDBPyConnection, sql: str, params: dict | list | None = None,
        /, **tables: pd.DataFrame) -> pd.DataFrame:
    """Execute one statement and return its result as a (small) DataFrame.

    ``tables`` are pandas frames registered under their keyword names for the
    duration of the statement.
    """
    # The connection itself (not a cursor): temp tables and registered frames
    # are connection-local in DuckDB, and each session owns its connection. A new Streamlit run can
    # start while the previous run's query is still executing on the same connection (the user
    # changed a control twice quickly): DuckDB connections are not thread-safe, so take turns.
    with _lock_for(con):
        return _run_locked(con, sql, params, tables)


# One lock per connection, dropped with the connection (a dict keyed by id() grew by one lock per
# session for the life of the server, and a recycled id() could hand a new connection an old lock).
_CON_LOCKS: "weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, threading.RLock]" = weakref.WeakKeyDictionary()
_CON_LOCKS_GUARD = threading.Lock()


def _lock_for(con) -> threading.RLock:
    with _CON_LOCKS_GUARD:
        lock = _CON_LOCKS.get(con)
        if lock is None:
            lock = _CON_LOCKS[con] = threading.RLock()
        return lock


def _run_locked(con, sql: str, params, tables: dict) -> pd.DataFrame:
    registered = []
    try:
        for name, df in tables.items():
            con.register(name, df)
            registered.append(name)
        rel = con.execute(sql, params) if params is not None else con.execute(sql)
        if rel.description is None:
            return pd.DataFrame()
        return rel.df()
    except duckdb.OutOfMemoryException as exc:
        raise _memory_error(con) from exc
    except duckdb.Error as exc:
        damaged = _damaged_file(exc)
        if damaged is None:
            raise
        raise StoreError.one(f"A saved data file cannot be read ({damaged}): it is damaged or was removed",
                             "Delete this dataset and upload the file again; other datasets are unaffected.",
                             key="saved_file_damaged", values={"file": damaged}) from exc
    finally:
        for name in registered:
            try:
                con.unregister(name)
            except duckdb.Error:
                pass


def _memory_error(con: duckdb.DuckDBPyConnection) -> ResourceError:
    """Over the session's memory budget: a message for the page, never a crash (the connection stays
    usable)."""
    try:
        limit = str(con.execute("SELECT current_setting('memory_limit')").fetchone()[0])
    except duckdb.Error:
        limit = "CJ_DUCKDB_MEMORY_LIMIT"
    return ResourceError.one(f"This computation needed more memory than a session may use (limit {limit})",
                             "Filter the data (fewer rows, steps or groups) or raise CJ_DUCKDB_MEMORY_LIMIT.")


_FILE_IN_MESSAGE = re.compile(r"""(?:file|pattern) ["']([^"']+)["']""", re.I)


def _damaged_file(exc: duckdb.Error) -> str | None:
    """``folder/name`` of a Parquet file DuckDB failed to read (damaged or removed), else None.

    Only file-level read failures qualify (never binder/parser errors, which are bugs, nor CSV
    problems, which ingest explains itself)."""
    msg = str(exc)
    if not isinstance(exc, (duckdb.IOException, duckdb.InvalidInputException)) and type(exc) is not duckdb.Error:
        return None
    m = _FILE_IN_MESSAGE.search(msg)
    if m and m.group(1).lower().endswith(".parquet"):
        p = Path(m.group(1))
        return f"{p.parent.name}/{p.name}"
    if "TProtocolException" in msg or ("parquet" in msg.lower() and "magic bytes" in msg.lower()):
        return "a Parquet file"
    return None


def execute(con: duckdb.DuckDBPyConnection, sql: str, params: dict | list | None = None) -> None:
    """Run a statement for its effect (DDL, COPY); same single path as :func:`run`."""
    run(con, sql, params)


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: dict | list | None = None):
    df = run(con, sql, params)
    return None if df.empty else df.iat[0, 0]


# --------------------------------------------------------------------- workspace

@dataclass
class DatasetMeta:
    """What is saved with a dataset besides its events."""

    id: str
    name: str
    source: str = ""
    created: float = 0.0
    mapping: dict = field(default_factory=dict)        # canonical column -> source column
    stage_order: list = field(default_factory=list)
    event_stage_map: dict = field(default_factory=dict)
    columns: list = field(default_factory=list)        # columns of events.parquet
    report: dict = field(default_factory=dict)         # quality report (JSON form)
    segment_names: dict = field(default_factory=dict)  # segment label -> user's name
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict) -> "DatasetMeta":
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


_THREAD_LOCK = threading.Lock()
_HELD = threading.local()

_META_TYPES = {"id": str, "name": str, "source": str, "created": (int, float), "mapping": dict,
               "stage_order": list, "event_stage_map": dict, "columns": list, "report": dict,
               "segment_names": dict, "extra": dict}


def _check_meta(data, dataset_id: str) -> DatasetMeta:
    """A DatasetMeta from parsed meta.json, or ValueError when it is not one (damaged file)."""
    if not isinstance(data, dict) or data.get("id") != dataset_id:
        raise ValueError("meta.json is not this dataset's")
    for key, kind in _META_TYPES.items():
        if key in data and (not isinstance(data[key], kind) or isinstance(data[key], bool)):
            raise ValueError(f"meta.json field {key} has the wrong type")
    return DatasetMeta.from_json(data)


def _valid_catalog(cat) -> bool:
    return isinstance(cat, dict) and all(
        valid_id(k) and isinstance(v, dict) and isinstance(v.get("name", ""), str)
        and isinstance(v.get("created", 0), (int, float)) and not isinstance(v.get("created", 0), bool)
        for k, v in cat.items())


def new_dataset_id() -> str:
    """An unguessable id (128 bits), usable as a capability in share links.

    Never starts with ``-``: one token in 64 would, and a command line then reads the id as an
    option (``python -m cj funnel -abc…`` fails with "the following arguments are required")."""
    while True:
        token = secrets.token_urlsafe(16)
        if not token.startswith("-"):
            return token


def valid_id(dataset_id: str) -> bool:
    return bool(_ID_RE.match(dataset_id or ""))


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class Workspace:
    """Datasets persisted on disk under ``root`` (see module docstring)."""

    def __init__(self, root: str | os.PathLike | None = None):
        self.root = Path(root or config.get("CJ_WORKSPACE"))

    # -- paths
    def dir(self, dataset_id: str) -> Path:
        if not valid_id(dataset_id):
            raise StoreError.one(f"'{dataset_id}' is not a valid dataset id",
                                 "Pick a dataset from the sidebar or upload a file.")
        return self.root / dataset_id

    def events_path(self, dataset_id: str) -> Path:
        """The dataset's events: its ``events.parquet``, or the Parquet file/folder it was registered
        with (:meth:`register_external`)."""
        meta_path = self.dir(dataset_id) / "meta.json"
        if meta_path.exists():
            try:
                external = json.loads(meta_path.read_text("utf-8")).get("extra", {}).get("external")
            except (OSError, ValueError, AttributeError):
                external = None
            if isinstance(external, str) and external:
                return Path(external)
        return self.dir(dataset_id) / "events.parquet"

    def rejects_path(self, dataset_id: str) -> Path:
        return self.dir(dataset_id) / "rejects.parquet"

    # -- catalog
    @property
    def catalog_path(self) -> Path:
        return self.root / "catalog.json"

    def _read_catalog(self) -> dict:
        try:
            cat = json.loads(self.catalog_path.read_text("utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            cat = None
        if not _valid_catalog(cat):
            # A damaged catalog must not take the workspace down: rebuild it
            # from the datasets' own meta files.
            return self._rebuild_catalog()
        return cat

    def _rebuild_catalog(self) -> dict:
        cat = {}
        if self.root.exists():
            for d in self.root.iterdir():
                m = d / "meta.json"
                if d.is_dir() and m.exists():
                    try:
                        meta = _check_meta(json.loads(m.read_text("utf-8")), d.name)
                    except (OSError, ValueError, TypeError):
                        continue
                    cat[d.name] = {"name": meta.name, "created": meta.created}
        return cat

    @contextlib.contextmanager
    def _lock(self):
        """Serialise catalog updates and dataset swaps between the threads (sessions) and processes
        sharing this workspace; a killed holder releases the lock with its process."""
        if getattr(_HELD, "depth", 0):              # nested in this thread: already held
            _HELD.depth += 1
            try:
                yield
            finally:
                _HELD.depth -= 1
            return
        self.root.mkdir(parents=True, exist_ok=True)
        with _THREAD_LOCK, open(self.root / ".lock", "a+b") as f:
            if fcntl is not None:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX)
            _HELD.depth = 1
            try:
                yield
            finally:
                _HELD.depth = 0
                if fcntl is not None:
                    fcntl.flock(f.fileno(), fcntl.LOCK_UN)

    def _update_catalog(self, change) -> None:
        with self._lock():
            cat = self._read_catalog()
            change(cat)
            self._write_catalog(cat)

    def _recover(self) -> None:
        """Finish what a crash interrupted: a dataset moved aside by :meth:`commit` (``.old-<id>-*``)
        whose replacement never arrived goes back into place; other leftovers of commits and deletes
        are removed. ``.staging-*`` folders and ``.uploads/*`` (files kept while a user fixes a mapping)
        are removed once older than :data:`STALE_SECONDS`: no ingest or session lasts that long."""
        if not self.root.exists():
            return
        stale = time.time() - STALE_SECONDS
        with self._lock():
            for d in [*self.root.glob(".staging-*"), *self.root.glob(".uploads/*")]:
                with contextlib.suppress(OSError):
                    if d.stat().st_mtime < stale:
                        shutil.rmtree(d, ignore_errors=True) if d.is_dir() else d.unlink()
            for d in self.root.iterdir():
                if d.name.startswith(".old-") and d.is_dir():
                    dataset_id = d.name[len(".old-"):].rsplit("-", 1)[0]
                    target = self.root / dataset_id
                    if valid_id(dataset_id) and not target.exists() and (d / "meta.json").exists():
                        os.replace(d, target)
                    else:
                        shutil.rmtree(d, ignore_errors=True)
                elif d.name.startswith(".trash-") and d.is_dir():
                    shutil.rmtree(d, ignore_errors=True)
                elif d.name.startswith(".tmp-") and d.is_file():     # a catalog write cut short
                    d.unlink(missing_ok=True)

    def _write_catalog(self, cat: dict) -> None:
        _atomic_write_bytes(self.catalog_path, json.dumps(cat, ensure_ascii=False, indent=1).encode("utf-8"))

    def list(self) -> list[dict]:
        """Datasets as ``[{id, name, created}]``, newest first."""
        self._recover()
        cat = self._read_catalog()
        rows = [{"id": k, **v} for k, v in cat.items() if (self.root / k / "meta.json").exists()]
        return sorted(rows, key=lambda r: -float(r.get("created", 0)))

    def exists(self, dataset_id: str) -> bool:
        if not valid_id(dataset_id):
            return False
        if not (self.root / dataset_id / "meta.json").exists():
            self._recover()
        return (self.root / dataset_id / "meta.json").exists()

    # -- datasets
    def staging_dir(self) -> Path:
        """A private folder to build a dataset in before :meth:`commit`."""
        self.root.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(dir=self.root, prefix=".staging-"))

    def commit(self, staging: Path, meta: DatasetMeta) -> DatasetMeta:
        """Publish a fully written staging folder as dataset ``meta.id``.

        The folder is renamed into place (atomic on one filesystem) and only
        then added to the catalog; a crash before the rename leaves only a
        ``.staging-*`` folder that no listing shows.
        """
        meta.created = meta.created or time.time()
        _atomic_write_bytes(staging / "meta.json", json.dumps(asdict(meta), ensure_ascii=False, default=str).encode("utf-8"))
        target = self.dir(meta.id)
        old = None
        with self._lock():
            if target.exists():
                # Two renames: a crash between them leaves the old folder as .old-<id>-*, which
                # _recover() puts back (the listing never loses the dataset).
                old = self.root / f".old-{meta.id}-{secrets.token_hex(4)}"
                os.replace(target, old)
            os.replace(staging, target)
            cat = self._read_catalog()
            cat[meta.id] = {"name": meta.name, "created": meta.created}
            self._write_catalog(cat)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return meta

    def meta(self, dataset_id: str) -> DatasetMeta:
        path = self.dir(dataset_id) / "meta.json"
        if not path.exists():
            self._recover()
        try:
            return _check_meta(json.loads(path.read_text("utf-8")), dataset_id)
        except FileNotFoundError:
            raise StoreError.one(f"Dataset '{dataset_id}' was not found",
                                 "It may have been deleted; pick another dataset or upload the file again.",
                                 key="ds_not_found", values={"name": dataset_id}) from None
        except (OSError, ValueError, TypeError):
            raise StoreError.one(f"Dataset '{dataset_id}' is damaged (its meta.json cannot be read)",
                                 "Delete it and upload the file again; other datasets are unaffected.",
                                 key="ds_meta_damaged", values={"name": dataset_id}) from None

    def save_meta(self, meta: DatasetMeta) -> None:
        with self._lock():
            _atomic_write_bytes(self.dir(meta.id) / "meta.json",
                                json.dumps(asdict(meta), ensure_ascii=False, default=str).encode("utf-8"))
            cat = self._read_catalog()
            cat[meta.id] = {"name": meta.name, "created": meta.created}
            self._write_catalog(cat)

    def rename(self, dataset_id: str, name: str) -> None:
        meta = self.meta(dataset_id)
        meta.name = name.strip() or meta.name
        self.save_meta(meta)

    def delete(self, dataset_id: str) -> None:
        target = self.dir(dataset_id)
        trash = self.root / f".trash-{dataset_id}-{secrets.token_hex(4)}"
        with self._lock():
            # Out of sight first (one rename), then out of the catalog, then off the disk: a crash
            # at any point never leaves a half-deleted dataset listed.
            if target.exists():
                os.replace(target, trash)
            cat = self._read_catalog()
            cat.pop(dataset_id, None)
            self._write_catalog(cat)
        shutil.rmtree(trash, ignore_errors=True)

    def open(self, con: duckdb.DuckDBPyConnection, dataset_id: str, *, view: str = "events") -> DatasetMeta:
        """Point view ``events`` of ``con`` at the dataset's Parquet file (or external location)."""
        meta = self.meta(dataset_id)
        if meta.extra.get("external"):
            return self._open_external(con, meta, view)
        path = self.events_path(dataset_id)
        if not path.exists():
            raise StoreError.one(f"Dataset '{meta.name}' has lost its events file",
                                 "Delete it and upload the file again; other datasets are unaffected.",
                                 key="ds_lost_events", values={"name": meta.name})
        try:
            execute(con, f"CREATE OR REPLACE VIEW {quote_ident(view)} AS "
                         f"SELECT * FROM read_parquet({quote_literal(str(path))})")
        except duckdb.Error as exc:
            raise StoreError.one(f"Dataset '{meta.name}' is damaged ({type(exc).__name__})",
                                 "Delete it and upload the file again; other datasets are unaffected.",
                                 key="ds_damaged", values={"name": meta.name, "error": type(exc).__name__}) from None
        return meta

    # -- external datasets (a Parquet location registered without copying)
    def register_external(self, location: str | os.PathLike, name: str | None = None, *,
                          con: duckdb.DuckDBPyConnection | None = None) -> DatasetMeta:
        """Register canonical events stored as Parquet elsewhere (a file, or a folder of files, also
        Hive-partitioned) as a dataset, without copying them.

        The columns must already be the canonical ones (:mod:`cj.schema`): ``customer_id``, a
        ``timestamp`` of a timestamp type, ``stage`` and/or ``event``; number columns numbers. Every
        problem is raised at once (:class:`StoreError`). The catalog keeps the absolute location in
        ``meta.extra["external"]``; :meth:`open` reads it in place and :meth:`delete` never touches it.
        Object-storage URLs (``s3a://``, ``gs://``, ``abfss://``) are read by Spark directly
        (``python -m cj funnel URL --engine spark``), not registered here (DuckDB would need a network
        extension).
        """
        text = str(location)
        if "://" in text:
            raise StoreError.one(f"{text}: object-storage locations are read by the Spark engine, not registered",
                                 f"Run the analysis on Spark: python -m cj funnel {text} --engine spark "
                                 "--spark-master spark://HOST:7077 (the cluster needs the storage connector).")
        path = Path(text).expanduser().resolve()
        if not path.exists():
            raise StoreError.one(f"{path}: no such file or folder", "Give the path of a Parquet file or folder.")
        pattern = str(path / "**" / "*.parquet") if path.is_dir() else str(path)
        if path.is_dir() and not any(path.rglob("*.parquet")):
            raise StoreError.one(f"{path}: the folder holds no .parquet files",
                                 "Point at a folder of Parquet files (it may have key=value sub-folders).")
        own = con is None
        con = con or connect()
        try:
            try:
                types = dict(run(con, f"DESCRIBE SELECT * FROM read_parquet({quote_literal(pattern)})")
                             [["column_name", "column_type"]].itertuples(index=False, name=None))
            except duckdb.Error as exc:
                raise StoreError.one(f"{path}: not readable as Parquet ({str(exc).splitlines()[0][:200]})",
                                     "Check that the location holds Parquet files of one schema.") from None
            _check_external_columns(path, types)
            report = _external_report(con, pattern, path, types)
        finally:
            if own:
                con.close()
        staging = self.staging_dir()
        try:
            from .schema import CANONICAL
            cols = list(types)
            meta = DatasetMeta(id=new_dataset_id(), name=(name or "").strip() or path.name, source=str(path),
                               mapping={c: c for c in CANONICAL if c in types}, stage_order=report["stage_order"],
                               columns=cols, report=report,
                               extra={"external": str(path), "external_pattern": pattern, "source_columns": cols})
            return self.commit(staging, meta)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise

    def _open_external(self, con, meta: DatasetMeta, view: str) -> DatasetMeta:
        path = Path(meta.extra["external"])
        if not path.exists():
            raise StoreError.one(f"Dataset '{meta.name}' points at {path}, which is gone",
                                 "Restore the files there, or delete the dataset (its files are never deleted "
                                 "by cj) and register the new location.")
        pattern = str(path / "**" / "*.parquet") if path.is_dir() else str(path)
        try:
            execute(con, f"CREATE OR REPLACE VIEW {quote_ident(view)} AS "
                         f"SELECT * FROM read_parquet({quote_literal(pattern)})")
        except duckdb.Error as exc:
            raise StoreError.one(f"Dataset '{meta.name}' ({path}) cannot be read ({type(exc).__name__})",
                                 "Check the files at that location.") from None
        return meta


_TS_TYPES = ("TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S", "DATE")
_NUM_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
              "UBIGINT", "FLOAT", "DOUBLE", "REAL")


def _check_external_columns(path: Path, types: dict) -> None:
    """Every way a Parquet location falls short of the canonical columns, at once."""
    import difflib

    from .errors import Problem
    from .schema import NUMERIC

    problems = []
    have = list(types)
    hint = (f"Its columns: {', '.join(have)}. Files with other column names or text timestamps can be "
            f"ingested instead (python -m cj ingest FILE --save), which maps and converts them.")
    for col in ("customer_id", "timestamp"):
        if col not in types:
            close = difflib.get_close_matches(col, have, n=1, cutoff=0.6)
            problems.append(Problem(f"{path.name}: the required column '{col}' is missing",
                                    (f"Did you mean '{close[0]}'? " if close else "") + hint, column=col))
    if "timestamp" in types and not str(types["timestamp"]).upper().startswith(_TS_TYPES):
        problems.append(Problem(f"{path.name}: column 'timestamp' is {types['timestamp']}, not a timestamp",
                                "Store it as a Parquet timestamp (UTC), or ingest the file, which parses dates.",
                                column="timestamp"))
    if "stage" not in types and "event" not in types:
        problems.append(Problem(f"{path.name}: neither a 'stage' nor an 'event' column", hint))
    for col in NUMERIC:
        if col in types and str(types[col]).upper().split("(")[0] not in _NUM_TYPES + ("DECIMAL",):
            problems.append(Problem(f"{path.name}: column '{col}' is {types[col]}, not a number",
                                    "Store it as a number, or ingest the file, which converts it.", column=col))
    if problems:
        raise StoreError(problems)


def _external_report(con, pattern: str, path: Path, types: dict) -> dict:
    """The quality report (the keys of :class:`cj.ingest.QualityReport`) of canonical Parquet, in
    one pass: nothing is converted, so rows without a customer or time count as unusable (the
    analyses skip them)."""
    from .schema import CANONICAL, default_stage_order

    src = f"read_parquet({quote_literal(pattern)})"
    stage = "stage" if "stage" in types else "event"
    dup_key = ", ".join(quote_ident(c) for c in ("customer_id", "timestamp", "stage", "event") if c in types)
    st = run(con, f"""SELECT count(*) AS n, count(DISTINCT customer_id) AS customers,
        count(*) FILTER (WHERE customer_id IS NULL) AS missing_ids,
        count(*) FILTER (WHERE "timestamp" IS NULL) AS missing_ts,
        count(*) FILTER (WHERE CAST("timestamp" AS TIMESTAMP) > now()::TIMESTAMP) AS future,
        count(*) - count(DISTINCT hash({dup_key})) AS dup,
        CAST(min(CAST("timestamp" AS TIMESTAMP)) AS VARCHAR) AS tmin, CAST(max(CAST("timestamp" AS TIMESTAMP)) AS VARCHAR) AS tmax
        FROM {src}""").iloc[0]
    per = run(con, f"SELECT CAST({quote_ident(stage)} AS VARCHAR) AS v, count(*) AS n FROM {src} "
                   f"GROUP BY 1 ORDER BY n DESC, v")
    per_stage = {("(none)" if v is None or v != v else str(v)): int(n) for v, n in zip(per["v"], per["n"])}
    present = [s for s in per_stage if s != "(none)"]
    order = default_stage_order(present)
    per_stage = {s: per_stage[s] for s in order + (["(none)"] if "(none)" in per_stage else [])}
    unusable = int(st["missing_ids"]) + int(st["missing_ts"])
    problems = []
    if int(st["missing_ids"]):
        problems.append(f"{int(st['missing_ids'])} row(s) have no customer_id; the analyses skip them. "
                        "— Fill the ids at the source if they matter.")
    if int(st["missing_ts"]):
        problems.append(f"{int(st['missing_ts'])} row(s) have no timestamp; the analyses skip them. "
                        "— Fill the times at the source if they matter.")
    return {"file": str(path), "format": "parquet (external, read in place)", "encoding": None, "delimiter": None,
            "rows_read": int(st["n"]), "rows_usable": int(st["n"]) - unusable, "rows_unusable": unusable,
            "customers": int(st["customers"]),
            "time_min": None if st["tmin"] is None or st["tmin"] != st["tmin"] else str(st["tmin"]),
            "time_max": None if st["tmax"] is None or st["tmax"] != st["tmax"] else str(st["tmax"]),
            "events_per_stage": per_stage, "duplicates": int(st["dup"]), "unparseable_timestamps": 0,
            "unparseable_timestamp_examples": [], "missing_timestamps": int(st["missing_ts"]),
            "missing_ids": int(st["missing_ids"]), "future_dates": int(st["future"]), "malformed_lines": 0,
            "timestamp_format": f"Parquet {types.get('timestamp')}",
            "mapping": {c: c for c in CANONICAL if c in types}, "stage_order": order,
            "problems": problems}


def table_columns(con: duckdb.DuckDBPyConnection, table: str = "events") -> list[str]:
    """Column names of a table or view, in order."""
    return list(run(con, f"SELECT * FROM {quote_ident(table)} LIMIT 0").columns)
