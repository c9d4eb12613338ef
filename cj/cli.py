"""``python -m cj …``: the product's computations for scripts and notebooks.

Every command takes FILE: a path to a behaviour file (read exactly as the
dashboard reads it) or the id of a dataset saved in the workspace. Output is
JSON with ``--json``; errors go to standard error with a non-zero exit code.
JSON keys named in the issues are a contract: keep them stable.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
import tempfile
from pathlib import Path

from . import engine
from . import ingest as ingest_mod
from . import store
from .errors import CJError, ParameterError

# Commands whose analyses have Spark twins (cj.spark); the others say so instead of failing deep inside.
SPARK_COMMANDS = ("funnel", "abtest", "segments", "sentiment")

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
        ingest_mod.cleanup(con)
        return store.DatasetMeta(id="file", name=path.name, mapping=ing.report.mapping,
                                 stage_order=ing.report.stage_order, report=ing.report.to_json())
    ws = store.Workspace()
    if store.valid_id(file) and ws.exists(file):
        return ws.open(con, file)
    raise CJError.one(f"{file}: no such file or saved dataset", "Give the path to a CSV/Parquet/Excel file.")


@contextlib.contextmanager
def analysis_source(args):
    """``(source, meta)`` for an analysis command: the DuckDB connection with view ``events``
    (default), or with ``--engine spark`` a :class:`cj.engine.SparkEvents` on the same events as
    Parquet: a saved or registered dataset where it lies, a file ingested (as today) to a temporary
    Parquet that lives as long as the command, or an object-storage URL (``s3a://…``) read by
    Spark directly."""
    kind = getattr(args, "engine", "duckdb")
    if kind != "spark":
        con = store.connect()
        yield con, open_events(con, args.file, args)
        return
    if args.command not in SPARK_COMMANDS:
        raise ParameterError.one(f"'{args.command}' does not run on the Spark engine yet",
                                 f"Use --engine duckdb (the default); on Spark: {', '.join(SPARK_COMMANDS)}.")
    master = getattr(args, "spark_master", None) or engine.DEFAULT_MASTER
    engine.spark_session(master)            # fail early and clearly when Spark is missing
    if "://" in args.file:
        src = engine.open_spark(args.file, master)
        yield src, store.DatasetMeta(id="url", name=args.file, source=args.file, stage_order=_spark_stage_order(src))
        return
    ws = store.Workspace()
    if not Path(args.file).exists() and store.valid_id(args.file) and ws.exists(args.file):
        meta = ws.meta(args.file)
        yield engine.open_spark(ws.events_path(args.file), master), meta
        return
    con = store.connect()
    try:
        meta = open_events(con, args.file, args)
        with tempfile.TemporaryDirectory(prefix="cj-spark-") as tmp:
            path = Path(tmp) / "events.parquet"
            store.execute(con, f"COPY events TO {store.quote_literal(str(path))} (FORMAT parquet)")
            yield engine.open_spark(path, master), meta
    finally:
        con.close()


def _spark_stage_order(src) -> list[str]:
    """Stages by frequency, in the default order (as ingest orders them), read on Spark."""
    from .schema import default_stage_order

    if "stage" not in src.columns():
        return []
    rows = src.rows("SELECT stage AS v, count(*) AS n FROM {events} WHERE stage IS NOT NULL "
                    "GROUP BY stage ORDER BY n DESC, v")
    return default_stage_order([str(r["v"]) for r in rows])


def cmd_register(args) -> int:
    ws = store.Workspace()
    meta = ws.register_external(args.location, args.name)
    out = {"dataset_id": meta.id, "name": meta.name, "external": meta.extra["external"],
           "columns": meta.columns, "stage_order": meta.stage_order, "report": meta.report}
    if args.json:
        emit(out)
    else:
        r = meta.report
        print(f"registered {meta.extra['external']} as dataset {meta.id} ({meta.name}): {r['rows_read']:,} rows, "
              f"{r['customers']:,} customers, {r['time_min']} … {r['time_max']} (read in place, never copied)")
    return 0


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


def cmd_funnel(args) -> int:
    with analysis_source(args) as (con, meta):
        return _funnel(args, con, meta)


def _funnel(args, con, meta) -> int:
    from . import funnel

    steps = funnel.parse_steps(args.steps) if args.steps else [[s] for s in meta.stage_order]
    kw = dict(step_col=args.step_col, mode=args.mode, window=funnel.parse_window(args.window), per=args.per)
    if args.by:
        out = funnel.funnel_by(con, steps, by=args.by, **kw).to_json()
        out["steps"] = funnel.funnel(con, steps, **kw).to_json()["steps"]
    else:
        out = funnel.funnel(con, steps, **kw).to_json()
    if args.json:
        emit(out)
    else:
        for r in out["steps"]:
            print(f"{r['step']:<30} {r['customers']:>10,}  {r['conversion_from_previous']:7.1%}  "
                  f"{r['conversion_from_start']:7.1%}")
    return 0


def cmd_abtest(args) -> int:
    from . import abtest
    from .timeparse import parse_window

    with analysis_source(args) as (con, _meta):
        return _abtest(args, con, abtest, parse_window(args.window))


def _abtest(args, con, abtest, window) -> int:
    if args.metric == "conversion":
        res = abtest.conversion_test(con, goal=args.goal, experiment=args.experiment, control=args.control,
                                     window=window)
    else:
        res = abtest.metric_test(con, metric=args.metric, experiment=args.experiment, control=args.control,
                                 window=window)
    if args.json:
        emit(res.to_json())
    else:
        print(abtest.verdict(res))
        print(res.variants_frame().to_string(index=False))
        print(res.comparisons_frame().to_string(index=False))
        if res.srm.srm_warning:
            print(f"WARNING: sample-ratio mismatch (p = {res.srm.p_value:.2g})")
    return 0


def cmd_segments(args) -> int:
    from . import segments

    with analysis_source(args) as (con, meta):
        return _segments(args, con, meta, segments)


def _segments(args, con, meta, segments) -> int:
    k = "auto" if args.k == "auto" else int(args.k)
    res = segments.segment_customers(con, stage_order=meta.stage_order, n_clusters=k, random_state=args.seed,
                                     names={int(a): b for a, b in (meta.segment_names.get(
                                         f"k={args.k},seed={args.seed}") or {}).items()})
    if args.labels:
        Path(args.labels).write_bytes(exports_csv(res.labels_table()))
    if args.json:
        emit(res.to_json())
    else:
        print(f"k = {res.k} (silhouette {res.silhouette.get(res.k, float('nan')):.3f}), "
              f"stability {res.stability:.2f}")
        for s, row in res.profile.iterrows():
            print(f"  {res.names.get(int(s))}: {int(row['size']):,} customers, "
                  f"{row['revenue_share']:.1%} of revenue")
    return 0


def exports_csv(df) -> bytes:
    from .exports import csv_bytes

    return csv_bytes(df)


def cmd_sentiment(args) -> int:
    from . import sentiment

    with analysis_source(args) as (con, meta):
        return _sentiment(args, con, meta, sentiment)


def _sentiment(args, con, meta, sentiment) -> int:
    columns = con.columns() if engine.is_spark(con) else store.table_columns(con)
    if "feedback" in columns:
        sentiment.score_feedback(con)
    table = sentiment.sentiment_by(con, by=args.by, stage_order=meta.stage_order if args.by == "stage" else None)
    if args.json:
        emit({"by": args.by, "stages" if args.by == "stage" else "groups": table.to_dict(orient="records")})
    else:
        print(table.to_string(index=False))
    return 0


def cmd_score_text(args) -> int:
    from . import sentiment

    lines = sys.stdin.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()            # a trailing newline ends the last line; it is not an extra empty line
    for row in sentiment.score_lines(lines, args.lang):
        sys.stdout.write(json.dumps(_clean(row), ensure_ascii=False) + "\n")
    return 0


def cmd_report(args) -> int:
    from . import report

    with analysis_source(args) as (con, meta):
        return _report(args, con, meta, report)


def _report(args, con, meta, report) -> int:
    out = Path(args.out) if args.out else Path(f"{Path(meta.name).name.split('.')[0] or 'cj'}-report.{args.format}")
    rep = report.build_report(con, meta, title=args.title, goal=args.goal, window=args.window,
                              include_segments=not args.no_segments, lang=args.lang)
    if args.format == "pptx":
        data = report.render_pptx(rep)
    else:
        data = report.render_html(rep, interactive=args.interactive).encode("utf-8")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    summary = {"out": str(out), "format": args.format, "bytes": len(data), "stages": [s.stage for s in rep.stages],
               "findings": len(rep.findings), "findings_source": rep.findings_source, "notes": list(rep.notes)}
    if args.json:
        emit(summary)
    else:
        print(f"wrote {out} ({len(data):,} bytes): {len(rep.stages)} stages, {len(rep.findings)} findings")
        for n in rep.notes:
            print("• " + n)
    return 0


def cmd_findings(args) -> int:
    from . import findings
    from .timeparse import parse_window

    with analysis_source(args) as (con, meta):
        return _findings(args, con, meta, findings, parse_window)


def _findings(args, con, meta, findings, parse_window) -> int:
    res = findings.generate_findings(con, stage_order=meta.stage_order, per=args.per, mode=args.mode,
                                     window=parse_window(args.window), goal=args.goal, random_state=args.seed)
    res = res.in_language(args.lang)      # the text fields only; JSON keys and numbers are unchanged
    if args.json:
        emit(res.to_json())
    elif args.md:
        sys.stdout.write(res.to_markdown())
    else:
        for f in res.findings:
            print(f"{f.number}. {f.text}")
        print()
        print("Intervention points (score = lost × (1 + share negative) × (1 + headroom)):")
        for r in res.intervention_points.itertuples(index=False):
            print(f"  {r.rank}. {r.transition:<40} score {r.score:>12,.0f}  lost {r.lost:>9,}  "
                  f"negative {r.share_negative:6.1%}  headroom {r.headroom:6.1%}")
    return 0


COMMANDS = {"ingest": cmd_ingest, "register": cmd_register, "funnel": cmd_funnel, "abtest": cmd_abtest, "segments": cmd_segments, "sentiment": cmd_sentiment,
            "score-text": cmd_score_text, "report": cmd_report, "findings": cmd_findings}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m cj", description="cj: customer-journey analytics")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("ingest", help="read a file: detected mapping and quality report")
    s.add_argument("file")
    s.add_argument("--json", action="store_true")
    s.add_argument("--save", action="store_true", help="also save it as a dataset in the workspace")
    s.add_argument("--encoding", choices=ingest_mod.ENCODINGS)
    s.add_argument("--delimiter", choices=[",", ";", "\t", "|"])
    s = sub.add_parser("register", help="register a Parquet file or folder as a dataset, read in place (no copy)")
    s.add_argument("location", help="a Parquet file or a folder of Parquet files with the canonical columns")
    s.add_argument("--name", help="dataset name (default: the file or folder name)")
    s.add_argument("--json", action="store_true")
    s = sub.add_parser("funnel", help="customers reaching each step")
    s.add_argument("file")
    s.add_argument("--steps", help='comma between steps, | for any of: "a,b|c,d" (default: the stage order)')
    s.add_argument("--step-col", default="stage", choices=["stage", "event"])
    s.add_argument("--mode", default="ordered", choices=["ordered", "strict", "unordered", "open"])
    s.add_argument("--window", default="30d", help="30d, 12h, … or none")
    s.add_argument("--per", default="customer", choices=["customer", "session"])
    s.add_argument("--by", help="break down by this column")
    s.add_argument("--json", action="store_true")
    s = sub.add_parser("abtest", help="experiment results against the control")
    s.add_argument("file")
    s.add_argument("--goal", default="purchase", help="goal stage for conversion (default purchase)")
    s.add_argument("--experiment")
    s.add_argument("--control")
    s.add_argument("--metric", default="conversion", help="conversion, revenue, events or a numeric column")
    s.add_argument("--window", default="none", help="only count conversions this long after exposure (14d, 48h)")
    s.add_argument("--json", action="store_true")
    s = sub.add_parser("segments", help="cluster customers into named segments")
    s.add_argument("file")
    s.add_argument("--k", default="auto", help="auto (silhouette over 2..10) or a number")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--labels", metavar="OUT.csv", help="write customer_id, segment, segment_name")
    s.add_argument("--json", action="store_true")
    s = sub.add_parser("sentiment", help="sentiment by stage (or another column)")
    s.add_argument("file")
    s.add_argument("--by", default="stage")
    s.add_argument("--json", action="store_true")
    s = sub.add_parser("findings", help="numbered journey findings, ranked intervention points and KPIs")
    s.add_argument("file")
    out = s.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="JSON: findings, intervention_points (ranked), kpis")
    out.add_argument("--md", action="store_true", help="a Markdown report")
    s.add_argument("--per", default="customer", choices=["customer", "session"])
    s.add_argument("--mode", default="ordered", choices=["ordered", "unordered"],
                   help="unordered: a stage counts as reached whatever the order of the timestamps")
    s.add_argument("--window", default="none", help="conversion window between stages (30d, 12h, … or none)")
    s.add_argument("--goal", help="goal stage of the KPIs and experiments (default purchase, else the last stage)")
    s.add_argument("--seed", type=int, default=0, help="random seed of the segmentation")
    s = sub.add_parser("score-text", help="score one text per line of standard input (JSON lines out)")
    s.add_argument("--lang", default="auto", choices=["auto", "en", "ru", "zh"])
    s = sub.add_parser("report", help="a meeting report: PowerPoint deck or self-contained HTML (offline)")
    s.add_argument("file")
    s.add_argument("--format", default="html", choices=["html", "pptx"])
    s.add_argument("--out", metavar="PATH", help="where to write it (default: <file name>-report.<format>)")
    s.add_argument("--title")
    s.add_argument("--goal", help="conversion goal stage (default purchase, else the last stage)")
    s.add_argument("--window", default="none", help="funnel window, e.g. 30d (default: none, the whole journey)")
    s.add_argument("--interactive", action="store_true", help="HTML: inline the chart runtime for tooltips (~1 MB)")
    s.add_argument("--no-segments", action="store_true", help="skip clustering customers")
    s.add_argument("--json", action="store_true")
    for name in ("findings", "report"):
        sub.choices[name].add_argument("--lang", default="en", choices=["en", "ru", "zh"],
                                       help="language of the text (findings, headings); JSON keys stay English")
    for name, sp in sub.choices.items():
        if name in ("funnel", "abtest", "segments", "sentiment", "findings", "report"):
            sp.add_argument("--engine", default="duckdb", choices=list(engine.ENGINES),
                            help="duckdb (embedded, default) or spark (needs requirements-spark.txt and Java 17+)")
            sp.add_argument("--spark-master", default=engine.DEFAULT_MASTER, metavar="URL",
                            help="with --engine spark: local[N], spark://HOST:7077 or a Spark Connect sc://HOST:15002 "
                                 "(default local[2])")
    return p


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
