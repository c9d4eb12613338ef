"""``python -m cj …``: the product's computations for scripts and notebooks.

Every command takes FILE: a path to a behaviour file (read exactly as the
dashboard reads it) or the id of a dataset saved in the workspace. Output is
JSON with ``--json``; errors go to standard error with a non-zero exit code.
JSON keys named in the issues are a contract: keep them stable.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from pathlib import Path

from . import ingest as ingest_mod
from . import store
from .errors import CJError

EXIT_BAD_INPUT = 2


def _clean(obj):
    """JSON-safe: NaN/Inf become null, numpy scalars become Python numbers."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):
        try:
            obj = obj.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def emit(obj) -> None:
    sys.stdout.write(json.dumps(_clean(obj), ensure_ascii=False, indent=1, default=str) + "\n")


def read_options(args) -> ingest_mod.ReadOptions:
    return ingest_mod.ReadOptions(encoding=getattr(args, "encoding", None), delimiter=getattr(args, "delimiter", None))


def open_events(con, file: str, args=None) -> store.DatasetMeta:
    """Make view ``events`` from a file path or a saved dataset id; return its meta."""
    path = Path(file)
    if path.exists():
        with tempfile.TemporaryDirectory(prefix="cj-cli-") as tmp:
            ing = ingest_mod.ingest(con, path, options=read_options(args) if args else None, workdir=Path(tmp))
        store.execute(con, "CREATE OR REPLACE TABLE events AS SELECT * EXCLUDE (_record) FROM events_new")
        for t in ("raw", "parsed", "events_new", "rejects_new"):
            store.execute(con, f"DROP TABLE IF EXISTS {t}")
        return store.DatasetMeta(id="file", name=path.name, mapping=ing.report.mapping,
                                 stage_order=ing.report.stage_order, report=ing.report.to_json())
    ws = store.Workspace()
    if store.valid_id(file) and ws.exists(file):
        return ws.open(con, file)
    raise CJError.one(f"{file}: no such file or saved dataset", "Give the path to a CSV/Parquet/Excel file.")


def cmd_ingest(args) -> int:
    con = store.connect()
    if args.save:
        meta, ing = ingest_mod.ingest_to_workspace(args.file, store.Workspace(), options=read_options(args), con=con)
        out = {**ing.report.to_json(), "dataset_id": meta.id}
    else:
        with tempfile.TemporaryDirectory(prefix="cj-cli-") as tmp:
            ing = ingest_mod.ingest(con, args.file, options=read_options(args), workdir=Path(tmp))
        out = ing.report.to_json()
    if args.json:
        emit(out)
    else:
        r = out
        print(f"{r['file']}: {r['rows_read']} rows read, {r['rows_usable']} usable, {r['rows_unusable']} unusable; "
              f"{r['customers']} customers; {r['time_min']} … {r['time_max']}")
        print("mapping: " + ", ".join(f"{k} ← {v}" for k, v in r["mapping"].items()))
        print("stages: " + ", ".join(f"{k} {v}" for k, v in r["events_per_stage"].items()))
        for p in r["problems"]:
            print("• " + p)
        if "dataset_id" in r:
            print(f"saved as dataset {r['dataset_id']}")
    return 0


COMMANDS = {"ingest": cmd_ingest}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m cj", description="cj: customer-journey analytics")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("ingest", help="read a file: detected mapping and quality report")
    s.add_argument("file")
    s.add_argument("--json", action="store_true")
    s.add_argument("--save", action="store_true", help="also save it as a dataset in the workspace")
    s.add_argument("--encoding", choices=ingest_mod.ENCODINGS)
    s.add_argument("--delimiter", choices=[",", ";", "\t", "|"])
    for register in _EXTRA_PARSERS:
        register(sub)
    return p


_EXTRA_PARSERS: list = []


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except CJError as exc:
        sys.stderr.write(f"error: {exc.message}\n")
        if getattr(args, "json", False):
            sys.stderr.write(json.dumps({"error": exc.message, "problems": [str(p) for p in exc.problems]},
                                        ensure_ascii=False) + "\n")
        return EXIT_BAD_INPUT
