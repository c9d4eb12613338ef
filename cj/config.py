"""Every tunable with its default and help (datasette-style SETTINGS)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str


SETTINGS = (
    Setting("CJ_WORKSPACE", str(PROJECT_DIR / "workspace"),
            "Folder where uploaded datasets are saved (Parquet + catalog.json)."),
    Setting("CJ_MAX_UPLOAD_MB", 200, "Largest file accepted by the upload widget, in MB."),
    Setting("CJ_MAX_UNZIPPED_MB", 10240,
            "Largest size a gzip-compressed upload may expand to, in MB (a 'zip bomb' stops here)."),
    Setting("CJ_DUCKDB_MEMORY_LIMIT", "4GB", "DuckDB memory budget per session; bigger queries spill or fail with a message."),
    Setting("CJ_DUCKDB_THREADS", 2, "DuckDB worker threads per connection."),
    Setting("CJ_PASSWORD", "", "If set (or the Streamlit secret 'password'), the dashboard asks for it first."),
    Setting("CJ_LIST_DATASETS", "1",
            "1: the sidebar lists every dataset in the workspace; 0: only the sample and datasets opened by id (hosted use)."),
)


def get(name: str):
    """The setting's value: environment variable if set, else the default."""
    for s in SETTINGS:
        if s.name == name:
            raw = os.environ.get(name)
            if raw is None or raw == "":
                return s.default
            return type(s.default)(raw) if isinstance(s.default, int) else raw
    raise KeyError(name)
