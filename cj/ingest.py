"""Read behaviour files into a clean events table plus a quality report.

Pipeline (each step reports every problem it finds, with its fix):

1. :func:`sniff_file` — what the bytes are: CSV (delimiter, encoding), gzip,
   Parquet, Excel; JSON, HTML, binary junk and empty files are refused with a
   message saying what to export instead.
2. :func:`read_raw` — load every record as text into a DuckDB table
   ``raw`` (column ``_record`` numbers the records); malformed CSV lines
   (too many / too few fields) are kept aside with their line numbers.
3. :func:`detect` — the column mapping (:mod:`cj.schema`) from headers and
   sample values.
4. :func:`build_events` — parse types (timestamps to UTC, numbers with ``.``
   or ``,`` decimals), normalise stages, split rows into usable ``events_new``
   and unusable ``rejects_new`` (each with a reason), and compute the
   :class:`QualityReport`.
5. :func:`save_dataset` — write both tables to the workspace atomically.

Nothing is silently dropped: ``rows_read == rows_usable + rows_unusable``.
"""
from __future__ import annotations

import codecs
import csv
import gzip
import io
import os
import re
import secrets
import shutil
import tempfile
import weakref
import zipfile
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

from . import config, schema, timeparse
from .errors import IngestError, Problem
from .store import DatasetMeta, Workspace, execute, new_dataset_id, quote_ident, quote_literal, run, scalar

DELIMITERS = (",", ";", "\t", "|")
ENCODINGS = ("utf-8", "utf-16", "cp1251", "gb18030", "latin-1")
SNIFF_BYTES = 1 << 20
MAX_REJECT_SHARE = 0.2        # more malformed lines than this and the file is refused
SAMPLE_ROWS = 2000
EXAMPLES = 5


@dataclass
class ReadOptions:
    """User overrides for reading a file (None = detect)."""

    encoding: str | None = None
    delimiter: str | None = None
    decimal: str | None = None          # "." or ","
    day_first: bool | None = None
    sheet: str | int | None = None


@dataclass
class FileInfo:
    kind: str                           # csv | parquet | xlsx
    path: Path                          # file to read (decompressed / transcoded when needed)
    encoding: str | None = None
    delimiter: str | None = None
    compressed: bool = False
    notes: list = field(default_factory=list)


@dataclass
class RawTable:
    table: str
    columns: list[str]
    n_records: int                      # well-formed records (known after build_events)
    info: FileInfo
    malformed: pd.DataFrame             # line, error, text (known after build_events)
    problems: list[Problem]
    source: str = ""                    # SQL FROM-clause expression yielding every record as text
    workdir: Path | None = None
    head: pd.DataFrame | None = None    # first SAMPLE_ROWS records
    csv_path: Path | None = None        # the (decoded, UTF-8) CSV file ``source`` reads
    events_file: Path | None = None     # events already written as Parquet by the clean-file path


@dataclass
class QualityReport:
    """What the product made of a file. JSON keys are a stable contract."""

    file: str
    format: str
    encoding: str | None
    delimiter: str | None
    rows_read: int
    rows_usable: int
    rows_unusable: int
    customers: int
    time_min: str | None
    time_max: str | None
    events_per_stage: dict
    duplicates: int
    unparseable_timestamps: int
    unparseable_timestamp_examples: list
    missing_timestamps: int
    missing_ids: int
    future_dates: int
    malformed_lines: int
    timestamp_format: str
    mapping: dict
    stage_order: list
    problems: list                      # plain messages, each with its fix
    problem_items: list = field(default_factory=list)   # the same as Problem.to_item() (key, values, text)

    def to_json(self) -> dict:
        return asdict(self)


# --------------------------------------------------------------------------- sniffing

def _read_head(path: Path, n: int = SNIFF_BYTES) -> bytes:
    with open(path, "rb") as f:
        return f.read(n)


def _looks_utf16(head: bytes) -> str | None:
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16"
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    sample = head[:4000]
    if len(sample) >= 4:
        even_nul = sample[1::2].count(0) / max(1, len(sample[1::2]))
        odd_nul = sample[0::2].count(0) / max(1, len(sample[0::2]))
        if even_nul > 0.4 and odd_nul < 0.05:
            return "utf-16-le"
        if odd_nul > 0.4 and even_nul < 0.05:
            return "utf-16-be"
    return None


def guess_legacy_encoding(data: bytes) -> str:
    """cp1251, gb18030 or latin-1 for bytes that are not UTF-8.

    Auto-detectors confuse these on small files (PLATFORM.md), so decide by
    what the text would look like: Russian in cp1251 is mostly lower-case
    Cyrillic (bytes 0xE0–0xFF); Chinese in GB18030 uses mostly level-1
    hanzi (lead bytes 0xB0–0xD7).
    """
    high = [b for b in data if b >= 0x80]
    if not high:
        return "latin-1"
    try:
        text = data.decode("gb18030")
        hanzi = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
        common = 0
        i = 0
        while i < len(data) - 1:
            b = data[i]
            if b >= 0x81:
                if 0xB0 <= b <= 0xD7 and 0xA1 <= data[i + 1] <= 0xFE:
                    common += 1
                i += 2
            else:
                i += 1
        gb_ok = hanzi > 0 and common >= 0.6 * hanzi
    except UnicodeDecodeError:
        gb_ok = False
    cyr_lower = sum(1 for b in high if 0xE0 <= b <= 0xFF)
    cyr_any = sum(1 for b in high if 0xC0 <= b <= 0xFF or b in (0xA8, 0xB8))
    # Russian words are runs of high bytes; Latin-1 accents sit alone between ASCII letters.
    adjacent = sum(1 for i, b in enumerate(data) if b >= 0x80 and (
        (i > 0 and data[i - 1] >= 0x80) or (i + 1 < len(data) and data[i + 1] >= 0x80)))
    cp1251_ok = cyr_any >= 0.8 * len(high) and cyr_lower >= 0.5 * cyr_any and adjacent >= 0.6 * len(high)
    if gb_ok and not cp1251_ok:
        return "gb18030"
    if cp1251_ok:
        return "cp1251"
    return "gb18030" if gb_ok else "latin-1"


def _decode_head(head: bytes, encoding: str) -> str:
    # The head may end in the middle of a character: decode leniently at the end only.
    dec = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        return dec.decode(head, final=False)
    except UnicodeDecodeError:
        return head.decode(encoding, errors="replace")


def _valid_utf8_head(head: bytes) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")(errors="strict").decode(head, final=False)
        return True
    except UnicodeDecodeError:
        return False


def sniff_delimiter(text: str) -> tuple[str | None, int]:
    """The delimiter whose first records have the most consistent field count > 1."""
    lines = text.splitlines(keepends=True)[:200]
    if len(lines) > 1 and not lines[-1].endswith(("\n", "\r")):
        lines = lines[:-1]                     # a partial last line would skew counts
    sample = "".join(lines)
    best: tuple[float, str | None, int] = (0.0, None, 1)
    for d in DELIMITERS:
        try:
            # newline="": lines ending in a bare CR (Excel for Mac "CSV (Macintosh)") are records too
            rows = list(csv.reader(io.StringIO(sample, newline=""), delimiter=d, quotechar='"'))[:100]
        except csv.Error:
            continue
        rows = [r for r in rows if r]
        if not rows:
            continue
        n_header = len(rows[0])
        if n_header < 2:
            continue
        consistent = sum(len(r) == n_header for r in rows) / len(rows)
        score = consistent + 0.001 * min(n_header, 50)
        if score > best[0]:
            best = (score, d, n_header)
    return best[1], best[2]


def sniff_file(path: str | os.PathLike, options: ReadOptions | None = None, *, workdir: Path) -> FileInfo:
    """Decide how to read ``path``; refuse what is not a behaviour table."""
    options = options or ReadOptions()
    path = Path(path)
    name = path.name
    try:
        size = path.stat().st_size
    except OSError:
        raise IngestError.one(f"{name}: the file cannot be opened", "Check the path and that the file is readable.",
                              key="cannot_open", values={"name": name})
    if size == 0:
        raise IngestError.one(f"{name} is empty (0 bytes)", "Export the data again; the file has no content.",
                              key="empty", values={"name": name})
    head = _read_head(path)
    compressed = False
    if head[:2] == b"\x1f\x8b":
        out = workdir / (path.stem if path.suffix == ".gz" else path.name + ".unzipped")
        cap = int(config.get("CJ_MAX_UNZIPPED_MB")) * 1024 * 1024
        try:
            with gzip.open(path, "rb") as src, open(out, "wb") as dst:
                written = 0
                while chunk := src.read(1 << 22):
                    written += len(chunk)
                    if written > cap:
                        break
                    dst.write(chunk)
        except (OSError, EOFError, zipfile.BadZipFile) as exc:
            out.unlink(missing_ok=True)
            raise IngestError.one(f"{name} is a damaged gzip archive ({exc})",
                                  "Compress the file again or upload the uncompressed CSV.",
                                  key="bad_gzip", values={"name": name, "detail": str(exc)}) from None
        if written > cap:
            out.unlink(missing_ok=True)
            raise IngestError.one(
                f"{name} expands to more than {cap // (1024 * 1024):,} MB when decompressed",
                "Convert it to Parquet (much smaller and faster), split it, or raise CJ_MAX_UNZIPPED_MB "
                "on the server if it really is that big.",
                key="gzip_big", values={"name": name, "mb": cap // (1024 * 1024)})
        if _read_head(out, 2) == b"\x1f\x8b":
            out.unlink(missing_ok=True)
            raise IngestError.one(f"{name} is gzip inside gzip", "Decompress it once and upload the inner file.",
                                  key="gzip_nested", values={"name": name})
        info = sniff_file(out, options, workdir=workdir)
        info.compressed = True
        return info
    if head[:4] == b"PAR1":
        return FileInfo("parquet", path)
    if head[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(path) as z:
                names = z.namelist()
        except zipfile.BadZipFile:
            raise IngestError.one(f"{name} is a damaged zip/Excel file", "Save it again from Excel, or export as CSV.",
                                  key="bad_zip", values={"name": name}) from None
        if any(n.startswith("xl/") for n in names):
            return FileInfo("xlsx", path)
        raise IngestError.one(f"{name} is a zip archive, not a table",
                              "Unzip it and upload the CSV, Parquet or Excel file inside.",
                              key="zip", values={"name": name})
    if head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise IngestError.one(f"{name} is an old binary Excel (.xls) file",
                              "Save it as .xlsx or CSV (File → Save as) and upload that.",
                              key="xls", values={"name": name})

    encoding = options.encoding
    if encoding is None:
        if head.startswith(codecs.BOM_UTF8):
            encoding = "utf-8"
        else:
            encoding = _looks_utf16(head)
            if encoding is None:
                encoding = "utf-8" if _valid_utf8_head(head) else guess_legacy_encoding(head)
    elif encoding.lower().replace("_", "-") not in {e for e in ENCODINGS} | {"utf-8-sig", "utf-16-le", "utf-16-be", "windows-1251", "gbk", "latin1", "iso-8859-1"}:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise IngestError.one(f"Unknown encoding '{encoding}'",
                                  f"Choose one of: {', '.join(ENCODINGS)}.", key="unknown_encoding",
                                  values={"encoding": encoding, "encodings": ", ".join(ENCODINGS)}) from None
    text = _decode_head(head, encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    stripped = text.lstrip()
    if not stripped:
        raise IngestError.one(f"{name} contains only blank space", "Export the data again; the file has no rows.",
                              key="blank", values={"name": name})
    if "\x00" in text[:65536]:
        raise IngestError.one(f"{name} is not a text table (it contains binary data)",
                              "Upload a CSV, gzip-compressed CSV, Parquet or Excel (.xlsx) file.",
                              key="binary", values={"name": name})
    low = stripped[:512].lower()
    if stripped[0] in "{[" and _looks_json(stripped):
        raise IngestError.one(f"{name} looks like JSON, not a table",
                              "Export the events as CSV (one row per event, a header row first) or Parquet.",
                              key="json", values={"name": name})
    if low.startswith(("<!doctype", "<html", "<?xml", "<head", "<body", "<table", "<svg")) or "<html" in low:
        raise IngestError.one(f"{name} looks like an HTML/XML page, not a table",
                              "Download the actual CSV export rather than the web page that links to it.",
                              key="html", values={"name": name})
    bad_chars = sum(1 for ch in text[:65536] if ch == "\ufffd" or (ord(ch) < 32 and ch not in "\r\n\t"))
    if bad_chars > 0.05 * min(len(text), 65536):
        raise IngestError.one(f"{name} is not a readable text table (too many control or invalid characters)",
                              f"If it is a CSV in another encoding, choose the encoding ({', '.join(ENCODINGS)}).",
                              key="unreadable_text", values={"name": name, "encodings": ", ".join(ENCODINGS)})
    delimiter = options.delimiter
    if delimiter is None:
        delimiter, n_cols = sniff_delimiter(text)
        if delimiter is None:
            first = stripped.splitlines()[0][:80]
            raise IngestError.one(
                f"{name}: only one column found (header starts '{first}')",
                "A behaviour file needs at least a customer id and a timestamp column, separated by "
                "comma, semicolon, tab or | ; check the export settings.",
                key="one_column_head", values={"name": name, "first": first})
    return FileInfo("csv", path, encoding=encoding, delimiter=delimiter)


def _looks_json(text: str) -> bool:
    import json

    try:
        json.loads(text[:SNIFF_BYTES])
        return True
    except ValueError:
        # a truncated head of a big JSON file: look at its shape
        return bool(re.match(r'^[\[{]\s*("|\{|\[|\d|true|false|null)', text)) and text.count("\n") < 2 or \
            bool(re.match(r'^\[\s*\{\s*"', text)) or bool(re.match(r'^\{\s*"[^"]*"\s*:', text))


def _transcode(info: FileInfo, workdir: Path) -> Path:
    """A UTF-8 copy of a non-UTF-8 text file (DuckDB reads only UTF-8/16, latin-1)."""
    out = workdir / (info.path.name + ".utf8.csv")
    dec = codecs.getincrementaldecoder(info.encoding)(errors="strict")
    try:
        with open(info.path, "rb") as src, open(out, "w", encoding="utf-8", newline="") as dst:
            while chunk := src.read(1 << 22):
                dst.write(dec.decode(chunk))
            dst.write(dec.decode(b"", final=True))
    except UnicodeDecodeError as exc:
        raise IngestError.one(
            f"{info.path.name} is not valid {info.encoding} (byte {exc.start} cannot be decoded)",
            f"Choose the file's encoding ({', '.join(ENCODINGS)}) or save it as UTF-8.", key="bad_encoding_byte",
            values={"name": info.path.name, "encoding": info.encoding, "byte": str(exc.start),
                    "encodings": ", ".join(ENCODINGS)}) from None
    return out


# --------------------------------------------------------------------------- reading

def read_raw(con: duckdb.DuckDBPyConnection, path: str | os.PathLike, options: ReadOptions | None = None,
             *, workdir: Path, table: str = "raw") -> RawTable:
    """Prepare to read the file: its source SQL, columns and a head sample (as text).

    CSV files are not loaded here; :func:`build_events` parses them in one pass.
    """
    options = options or ReadOptions()
    info = sniff_file(path, options, workdir=workdir)
    problems: list[Problem] = []
    name = Path(path).name
    src = None
    if info.kind == "parquet":
        lit = quote_literal(str(info.path))
        try:
            cols = list(run(con, f"SELECT * FROM read_parquet({lit}) LIMIT 0").columns)
        except duckdb.Error as exc:
            raise IngestError.one(f"{name} is not a readable Parquet file ({_short(exc)})",
                                  "Write the Parquet file again, or upload a CSV.",
                                  key="bad_parquet", values={"name": name, "detail": _short(exc)}) from None
        sel = ", ".join(f"CAST({quote_ident(c)} AS VARCHAR) AS {quote_ident(c)}" for c in cols)
        source = f"(SELECT {sel} FROM read_parquet({lit}))"
    elif info.kind == "xlsx":
        try:
            df = pd.read_excel(info.path, sheet_name=options.sheet or 0, dtype=str, engine="openpyxl")
        except Exception as exc:  # openpyxl raises many types for broken files
            raise IngestError.one(f"{name} is not a readable Excel file ({_short(exc)})",
                                  "Save it again from Excel as .xlsx, or export the sheet as CSV.",
                                  key="bad_excel", values={"name": name, "detail": _short(exc)}) from None
        df.columns = _dedupe([str(c) for c in df.columns])
        df = df.astype(object).where(df.notna(), None)
        run(con, f"CREATE OR REPLACE TEMP TABLE {quote_ident(table)} AS SELECT * FROM xl", xl=df)
        source = quote_ident(table)
    else:
        src = info.path
        if info.encoding and info.encoding.lower() not in ("utf-8", "utf-8-sig", "utf8"):
            # DuckDB reads UTF-8 (and only little-endian UTF-16): transcode everything else once.
            src = _transcode(info, workdir)
        source = _csv_source(src, info.delimiter)
    raw = RawTable(table, [], 0, info, _no_malformed(), problems, source=source, workdir=workdir,
                   csv_path=src if info.kind == "csv" else None)
    head = _head(con, raw)
    raw.columns = [c for c in head.columns]
    raw.head = head
    dup = [c for c in raw.columns if re.search(r"_\d+$", c) and re.sub(r"_\d+$", "", c) in raw.columns]
    for c in dup:
        base = re.sub(r"_\d+$", "", c)
        problems.append(Problem(f"Column name '{base}' appears more than once; the later one is called '{c}'",
                                "Rename the columns in the file if they mean different things.", column=c,
                                key="dup_column", values={"base": base, "col": c}))
    if len(raw.columns) < 2:
        raise IngestError.one(f"{name}: only one column found",
                              "A behaviour file needs at least a customer id and a timestamp column.",
                              key="one_column", values={"name": name})
    if head.empty and info.kind != "csv":
        raise IngestError.one(f"{name} has a header but no rows", "Export the data again including the rows.",
                              key="no_rows", values={"name": name})
    return raw


def _no_malformed() -> pd.DataFrame:
    return pd.DataFrame({"line": pd.Series(dtype="Int64"), "error": pd.Series(dtype=str),
                         "text": pd.Series(dtype=str)})


def _csv_source(path: Path, delimiter: str) -> str:
    opts = (f"delim={quote_literal(delimiter)}, header=true, all_varchar=true, quote='\"', escape='\"', "
            f"store_rejects=true, max_line_size=8388608, rejects_table='reject_errors', "
            f"rejects_scan='reject_scans'")
    return f"read_csv({quote_literal(str(path))}, {opts})"


def _use_csv(raw: RawTable, path: Path) -> None:
    raw.csv_path = path
    raw.source = _csv_source(path, raw.info.delimiter)


def _head(con, raw: RawTable) -> pd.DataFrame:
    """The first rows as text (also catches a file that is not UTF-8 past its sniffed head)."""
    try:
        return _with_encoding_retry(con, raw, lambda: run(con, f"SELECT * FROM {raw.source} LIMIT {SAMPLE_ROWS}"))
    finally:
        _drop_rejects(con)


def _drop_rejects(con) -> None:
    execute(con, "DROP TABLE IF EXISTS reject_errors")
    execute(con, "DROP TABLE IF EXISTS reject_scans")


def _with_encoding_retry(con, raw: RawTable, action):
    """Run ``action``; if DuckDB finds invalid UTF-8 deeper in the file, transcode and retry once."""
    info = raw.info
    name = info.path.name
    try:
        return action()
    except duckdb.Error as exc:
        msg = _short(exc)
        size = re.search(r"Maximum line size of \d+ bytes exceeded\. Actual Size:\s*(\d+)", str(exc))
        if size:
            raise IngestError.one(
                f"{name} has a line of {int(size.group(1)) / 2**20:.1f} MB; lines up to 8 MB can be read",
                "Check the quoting (a quote that is never closed joins the rest of the file into one line), "
                "or shorten the very long texts.",
                key="long_line", values={"name": name, "mb": round(int(size.group(1)) / 2**20, 1)}) from None
        if info.kind != "csv":
            raise IngestError.one(f"{name} cannot be read: {msg}", "Save the file again, or export it as CSV.") \
                from None
        if not any(w in msg.lower() for w in ("unicode", "utf", "encoding")):
            line = _unclosed_quote_line(info)
            if line is not None:
                raise IngestError.one(
                    f"{name}: the quote opened on line {line} is never closed",
                    f"Close the quote on line {line} (a quote inside a text is written twice: \"\"), "
                    "or export the file again with proper quoting.",
                    key="unclosed_quote", values={"name": name, "line": str(line)}) from None
            raise IngestError.one(f"{name} cannot be read as CSV: {msg}",
                                  "Check that it is a delimited text file with one header row.") from None
        if info.encoding not in (None, "utf-8") or raw.problems and "not UTF-8 throughout" in str(raw.problems):
            raise IngestError.one(f"{name} is not valid {info.encoding}",
                                  f"Choose the file's encoding ({', '.join(ENCODINGS)}).", key="bad_encoding",
                                  values={"name": name, "encoding": str(info.encoding),
                                          "encodings": ", ".join(ENCODINGS)}) from None
        with open(info.path, "rb") as f:
            data = f.read()
        bad = _first_bad_utf8(data)
        info.encoding = guess_legacy_encoding(data[max(0, bad - 4096): bad + SNIFF_BYTES])
        raw.problems.append(Problem(
            f"The file is not UTF-8 throughout (first bad byte at {bad}); read as {info.encoding}",
            "If letters look wrong in the preview, choose the right encoding and load again.",
            key="not_utf8", values={"byte": str(bad), "encoding": str(info.encoding)}))
        _use_csv(raw, _transcode(info, raw.workdir))
        _drop_rejects(con)
        return action()


def _unclosed_quote_line(info: FileInfo, limit: int = 64 << 20) -> int | None:
    """The line on which a quoted field opens and never closes (in the first ``limit`` bytes), else None.

    Only a quote at the start of a field opens one; inside, ``""`` is a literal quote. A quote in the
    middle of an unquoted field (``5" screen``) is literal, as DuckDB reads it.
    """
    if not info.delimiter:
        return None
    delim, line, opened, in_quote, field_start = info.delimiter, 1, None, False, True
    with open(info.path, encoding=info.encoding or "utf-8", errors="replace", newline="") as f:
        text = f.read(limit)
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if in_quote:
            if ch == '"':
                if i + 1 < n and text[i + 1] == '"':
                    i += 1
                else:
                    in_quote = False
            elif ch == "\n":
                line += 1
        elif ch == '"' and field_start:
            in_quote, opened = True, line
        elif ch == "\n":
            line += 1
        field_start = not in_quote and ch in (delim, "\n", "\r")
        i += 1
    return opened if in_quote else None


def _first_bad_utf8(data: bytes) -> int:
    try:
        data.decode("utf-8")
        return len(data)
    except UnicodeDecodeError as exc:
        return exc.start


def _show_delim(d: str | None) -> str:
    return {"\t": "tab"}.get(d or "", d or "?")


_QUOTED_PATH = re.compile(r'"(?:[A-Za-z]:)?[\\/][^"]*[\\/]([^"\\/]+)"')


def _short(exc: BaseException) -> str:
    """First line of an engine error for the user, with file paths cut to the file name (server folders
    are nobody's business)."""
    return _QUOTED_PATH.sub(r'"\1"', str(exc).strip().splitlines()[0])[:300]


def _dedupe(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        if n in seen:
            seen[n] += 1
            out.append(f"{n}_{seen[n]}")
        else:
            seen[n] = 0
            out.append(n)
    return out


def sample_values(con, raw: RawTable, n: int = SAMPLE_ROWS) -> dict[str, list]:
    df = raw.head if raw.head is not None else _head(con, raw)
    return {c: [v for v in df[c].tolist()[:n] if v is not None and v == v] for c in df.columns}


def detect(con, raw: RawTable) -> schema.Detection:
    return schema.detect_mapping(raw.columns, sample_values(con, raw))


def preview(con, raw: RawTable, n: int = 20) -> pd.DataFrame:
    return (raw.head if raw.head is not None else _head(con, raw)).head(n)


# --------------------------------------------------------------------------- building

_DEC_COMMA = re.compile(r"^-?\d{1,3}(?:[.\s\u00a0]\d{3})*,\d+$|^-?\d+,\d+$")
_DEC_POINT = re.compile(r"^-?\d{1,3}(?:[,\s\u00a0]\d{3})*\.\d+$|^-?\d+\.\d+$")


def detect_decimal(values) -> str:
    comma = sum(1 for v in values if _DEC_COMMA.match(str(v).strip()))
    point = sum(1 for v in values if _DEC_POINT.match(str(v).strip()))
    return "," if comma > point else "."


def _number_sql(col: str, decimal: str) -> str:
    """SQL parsing a text column as a finite number (NaN/Inf and text become NULL).

    Plain numbers take the fast cast; only values it rejects (thousands separators, currency
    signs, decimal commas) go through the slower clean-up.
    """
    x = f"regexp_replace(trim({col}), '[^0-9,.eE+-]', '', 'g')"
    if decimal == ",":
        cleaned = f"try_cast(nullif(replace(replace({x}, '.', ''), ',', '.'), '') AS DOUBLE)"
        v = cleaned
    else:
        cleaned = f"try_cast(nullif(replace({x}, ',', ''), '') AS DOUBLE)"
        v = f"coalesce(try_cast({col} AS DOUBLE), {cleaned})"   # the cast itself skips spaces, tabs, line breaks
    return f"CASE WHEN isfinite({v}) THEN {v} END"      # DuckDB evaluates the repeated expression once


_BLANKS = " \t\r\n\u00a0"
# The optional canonical text columns, in the events' column order (feedback is kept as written).
_TEXT = ("stage", "event", "touchpoint", "experiment", "variant", "session_id", "feedback")


def _trim_blanks(col: str) -> str:
    return f"trim({col}, '{_BLANKS}')"


def _blank_null(col: str) -> str:
    """``col`` trimmed of spaces, tabs, line breaks and no-break spaces; NULL when nothing is left
    (plain ``trim`` keeps a tab-only id as a customer of its own)."""
    # trim() with a character set costs ~3x a plain read on every value; most values have no edge
    # blanks, so test the first and last character and trim only those.
    return f"CASE WHEN {col} = '' THEN NULL WHEN {_edge_blank(col)} THEN NULLIF({_trim_blanks(col)}, '') ELSE {col} END"


def _edge_blank(col: str) -> str:
    """SQL: does the text start or end with a blank? (True for some other control characters too, which
    the trim then leaves alone.) Not ``ascii(x) IN (32, 9, …)``: DuckDB plans an IN list as a hash MARK
    join, which does not keep the rows in file order (record numbers come from that order); and
    ``ends_with`` costs less than ``ascii(right(x, 1))``, which cuts a string per value."""
    ends = " OR ".join(f"ends_with({col}, '{b}')" for b in _BLANKS)
    return f"ascii({col}) <= 32 OR ascii({col}) = 160 OR {ends}"


def _blank_null_py(v):
    """:func:`_blank_null` in Python, for values already read."""
    if v is None:
        return None
    v = str(v).strip(_BLANKS)
    return v or None


# The clean-file path (see _fast_parse) is tried only up to this many columns: the Parquet writer
# buffers every column, and a 10,000-column file is the general path's to refuse or read.
FAST_MAX_COLUMNS = 500
FAST_PATH = True            # tests switch it off to compare both paths
_NOT_CLEAN = "cj: not a clean file"
# The clean-file path's Parquet lives in a folder per connection (events_new reads it), removed by
# cleanup() or when the connection goes, so the view outlives the caller's working folder as the
# general path's temp table does.
_CLEAN_DIRS: "weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, Path]" = weakref.WeakKeyDictionary()


def _clean_dir(con) -> Path:
    d = _CLEAN_DIRS.get(con)
    if d is None or not d.exists():
        d = Path(tempfile.mkdtemp(prefix="cj-clean-"))
        weakref.finalize(con, shutil.rmtree, str(d), True)
        _CLEAN_DIRS[con] = d
    return d


def _drop_clean_files(con) -> None:
    d = _CLEAN_DIRS.get(con)
    if d is not None:
        for f in d.glob("*.parquet"):
            f.unlink(missing_ok=True)


def _stage_value(v):
    """A stage value as the general parse writes it: blanks trimmed, synonyms as their keys."""
    v = _blank_null_py(v)
    return None if v is None else schema.normalise_stage(v)


def _whens(fix: dict) -> str:
    return " ".join(f"WHEN {quote_literal(k)} THEN {'NULL' if v is None else quote_literal(str(v))}"
                    for k, v in fix.items())


def _fix_values(con, path: Path, columns: list[str], stages: list, limit: int = 2000) -> bool | None:
    """Rewrite text values the way the general parse writes them (blanks trimmed, empty → NULL; stage
    synonyms → keys). Each distinct value is looked at once (``stages``: the stage column's), and the
    file is rewritten only when a value needs it: True then, else False. None (the general parse then)
    when a customer id is missing or blank, or more than ``limit`` values of the few-valued columns
    would change."""
    pq = f"read_parquet({quote_literal(str(path))})"
    repl = {}
    n_fixed = 0
    for c in columns:
        q = quote_ident(c)
        if c == "stage":
            fix = {v: _stage_value(v) for v in stages if v is not None and _stage_value(v) != v}
        else:   # MATERIALIZED: the test must run on the distinct values, not be pushed down to every row
            d = f"WITH d AS MATERIALIZED (SELECT DISTINCT {q} AS v FROM {pq}) "
            bad = f"v = '' OR {_edge_blank('v')}"
            if c in ("customer_id", "session_id"):      # many values: count them, trim row by row if need be
                n_fix, n_missing = run(con, d + f"SELECT count(v) AS f, count(*) FILTER (WHERE nullif("
                                                f"{_trim_blanks('v')}, '') IS NULL) AS m "
                                                f"FROM d WHERE v IS NULL OR {bad}").iloc[0]
                if c == "customer_id" and n_missing:
                    return None                   # rows without a customer id: the general parse rejects them
                if n_fix:
                    repl[c] = f"{_blank_null(q)} AS {q}"
                continue
            vals = run(con, d + f"SELECT v FROM d WHERE {bad}")["v"].tolist()
            fix = {v: _blank_null_py(v) for v in vals}
        if fix:
            n_fixed += len(fix)
            repl[c] = f"CASE {q} {_whens(fix)} ELSE {q} END AS {q}"
    if n_fixed > limit:
        return None
    if repl:
        tmp = path.with_name(path.stem + "-fixed.parquet")
        execute(con, f"COPY (SELECT * REPLACE ({', '.join(repl.values())}) FROM {pq}) TO {quote_literal(str(tmp))} "
                     "(FORMAT parquet, COMPRESSION zstd)")
        os.replace(tmp, path)
    return bool(repl)


def _fast_parse(con, raw: RawTable, mapping: dict, *, src: dict, decimals: dict, extras: list, alias: dict,
                stage_key: str, tfmt: timeparse.TimeFormat, samples: dict, now: datetime):
    """Clean CSV files in one pass: DuckDB's CSV reader types the timestamp and number columns and the
    events go straight to Parquet, with no table of text in between (the general parse costs about
    twice DuckDB's own CSV→Parquet copy on 10M rows; this path about 1.3×).

    Clean means: every line well formed, every timestamp ISO 8601 and finite, every number plain and
    finite, no row without a customer id or a timestamp, every stage value already as the general path
    would write it (text values with blanks at their edges, and stage synonyms, are rewritten after the
    copy: :func:`_fix_values`). A bad line, timestamp or number stops the copy at its row (``error()`` in
    the projection, or the CSV reader's own error in strict mode); a missing customer id is found just
    after it. None then sends the file to the general parse, which reports
    the problems row by row; the result on a clean file is the same either way (a property test holds
    the two paths equal). Returns ``(stats, stage_counts, stage_of, bad_ts_examples)`` as the general
    parse does, with ``events_new`` a view over the written file and an empty ``rejects_new``.
    """
    plain_iso = tfmt.iso and not (tfmt.ymd_slash or tfmt.chinese or tfmt.dmy_sep or tfmt.epoch)
    if (not FAST_PATH or raw.info.kind != "csv" or raw.csv_path is None
            or stage_key != "stage" or not plain_iso or any(d != "." for d in decimals.values())
            or len(raw.columns) > FAST_MAX_COLUMNS or len(set(mapping.values())) != len(mapping)
            # events_new numbers the rows with read_parquet's file_row_number, which a column may not shadow
            or "file_row_number" in {str(a).lower() for a in alias.values()}):
        return None
    types = {mapping["timestamp"]: "TIMESTAMPTZ", **{mapping[c]: "DOUBLE" for c in decimals}}
    type_sql = "{" + ", ".join(f"{quote_literal(k)}: '{v}'" for k, v in types.items()) + "}"
    source = (f"read_csv({quote_literal(str(raw.csv_path))}, delim={quote_literal(raw.info.delimiter)}, "
              f"header=true, quote='\"', escape='\"', max_line_size=8388608, "
              f"auto_type_candidates=['VARCHAR'], types={type_sql})")
    stop = f"error({quote_literal(_NOT_CLEAN)})"
    ts = src["timestamp"]
    # Text columns are written as read and checked after the copy, each distinct value once
    # (_fix_values): trimming row by row in the copy cost ~2 s of 10 on 10M rows, and blank-edged values
    # are rare. Stage synonyms seen in the head are mapped to their keys here already.
    seen = {str(v) for v in samples.get(mapping["stage"], [])}
    head_fix = {v: _stage_value(v) for v in seen if _stage_value(v) != v}
    stage_sql = src["stage"]
    if head_fix:
        stage_sql = f"CASE {stage_sql} {_whens(head_fix)} ELSE {stage_sql} END"
    cols = [f"{src['customer_id']} AS customer_id",
            f"CASE WHEN isfinite({ts}) THEN make_timestamp(epoch_us({ts})) ELSE {stop} END AS timestamp",
            f"{stage_sql} AS stage"]
    cols += [f"{src[c]} AS {c}" for c in _TEXT[1:] if c in mapping]
    cols += [f"CASE WHEN {src[c]} IS NULL OR isfinite({src[c]}) THEN {src[c]} ELSE {stop} END AS {c}"
             for c in decimals]
    cols += [f"{quote_ident(c)} AS {quote_ident(alias[c])}" for c in extras]
    _drop_clean_files(con)            # a previous build's (events_new is replaced now)
    path = _clean_dir(con) / f"events-{secrets.token_hex(6)}.parquet"
    pq = f"read_parquet({quote_literal(str(path))})"
    try:
        execute(con, f"COPY (SELECT {', '.join(cols)} FROM {source}) TO {quote_literal(str(path))} "
                     "(FORMAT parquet, COMPRESSION zstd)")
        counts = f"SELECT stage AS v, count(*) AS n FROM {pq} GROUP BY 1"
        stage_counts = run(con, counts)
        if stage_counts["n"].sum() == 0:
            raise LookupError("no rows: the general parse says so")
        fixed = _fix_values(con, path, [c for c in ("customer_id", *_TEXT[:-1]) if c in mapping],
                            stages=stage_counts["v"].tolist())
        if fixed is None:
            raise LookupError("a missing customer id, or too many values to rewrite")
        if fixed:
            stage_counts = run(con, counts)
    except (duckdb.Error, LookupError):
        path.unlink(missing_ok=True)
        return None
    values = [v for v in stage_counts["v"].tolist() if v is not None]
    dup_key = ", ".join(["customer_id", "timestamp"] + [c for c in ("stage", "event") if c in mapping])
    stats = run(con, f"SELECT count(*) AS usable, 0 AS missing_ids, 0 AS missing_ts, 0 AS bad_ts, "
                     f"count(DISTINCT customer_id) AS customers, min(timestamp) AS tmin, max(timestamp) AS tmax, "
                     f"count(*) FILTER (WHERE timestamp > $now) AS future, "
                     f"count(*) - count(DISTINCT hash({dup_key})) AS dup"
                     + "".join(f", 0 AS bad_{c}" for c in decimals) + f" FROM {pq}", {"now": now}).iloc[0]
    execute(con, f"CREATE OR REPLACE TEMP VIEW events_new AS SELECT * EXCLUDE (file_row_number), "
                 f"file_row_number + 1 AS _record FROM read_parquet({quote_literal(str(path))}, file_row_number=true)")
    rej_cols = [c for c in _TEXT if c in mapping] + list(decimals) + [quote_ident(alias[c]) for c in extras]
    execute(con, "CREATE OR REPLACE TEMP TABLE rejects_new AS SELECT CAST(NULL AS BIGINT) AS line, "
                 "CAST(NULL AS BIGINT) AS record, CAST(NULL AS VARCHAR) AS reason, customer_id, "
                 f"CAST(NULL AS VARCHAR) AS timestamp_text, {', '.join(rej_cols)} FROM events_new LIMIT 0")
    raw.n_records = int(stats["usable"])
    raw.malformed = _no_malformed()
    raw.events_file = path
    return stats, stage_counts, {v: v for v in values}, []


def build_events(con, raw: RawTable, mapping: dict, *, options: ReadOptions | None = None,
                 event_stage_map: dict | None = None, stage_order: list | None = None,
                 now: datetime | None = None) -> QualityReport:
    """Create ``events_new`` (usable rows) and ``rejects_new`` (unusable rows, with reasons)."""
    options = options or ReadOptions()
    problems: list[Problem] = list(raw.problems)
    missing = [c for c in schema.REQUIRED if c not in mapping]
    bad_cols = [f"{k} → '{v}'" for k, v in mapping.items() if v not in raw.columns]
    if bad_cols:
        problems.append(Problem(f"Mapped columns not in the file: {', '.join(bad_cols)}",
                                f"Columns in the file: {', '.join(raw.columns)}.", key="mapped_missing",
                                values={"cols": ", ".join(bad_cols), "columns": ", ".join(raw.columns)}))
    if missing:
        for c in missing:
            problems.append(Problem(
                f"No column was recognised as {c.replace('_', ' ')}",
                f"Choose which column holds the {c.replace('_', ' ')} in the mapping "
                f"(columns: {', '.join(raw.columns[:30])}), or name it '{c}'.", column=c, key="no_column",
                values={"what": {"t": f"prob.what.{c}"}, "columns": ", ".join(raw.columns[:30]), "name": c}))
    if "stage" not in mapping and "event" not in mapping and not missing:
        problems.append(Problem("No stage or event column was recognised",
                                "Map a column to 'stage' (journey stage) or 'event' (action) so funnels have steps.",
                                key="no_stage_event"))
    if missing or bad_cols or ("stage" not in mapping and "event" not in mapping):
        raise IngestError(problems)

    samples = sample_values(con, raw)
    src = {k: quote_ident(v) for k, v in mapping.items()}
    now = now or datetime.now(timezone.utc).replace(tzinfo=None)
    decimals = {canon: options.decimal or detect_decimal(samples.get(mapping[canon], []))
                for canon in schema.NUMERIC if canon in mapping}
    used = set(mapping.values())
    extras = [c for c in raw.columns if c not in used and c not in schema.CANONICAL]
    # An extra column whose name clashes (DuckDB names are case-insensitive) with a working column of
    # the parse below would silently take its place (e.g. a '_reason' column rejecting every row):
    # keep such a column under a suffixed name instead.
    reserved = {n.lower() for n in ("_record", "_raw_ts", "_reason", "rowid", *schema.CANONICAL)} | \
        {f"_{kind}_{c}" for kind in ("has", "bad") for c in decimals}
    taken = reserved | {c.lower() for c in extras}
    alias = {c: c for c in extras}
    for c in extras:
        if c.lower() in reserved:
            i = 1
            while f"{c}_{i}".lower() in taken:
                i += 1
            alias[c] = f"{c}_{i}"
            taken.add(alias[c].lower())
            problems.append(Problem(f"Column '{c}' has a name cj uses internally; it is kept as '{alias[c]}'",
                                    "Rename the column in the file if you prefer another name.", column=c))
    stage_key = "stage" if "stage" in mapping else "event"

    def parse(tfmt: timeparse.TimeFormat) -> None:
        """One pass over the source: typed columns, the reason a row is unusable, and flags."""
        # Timestamps: first the value as read (the usual case, and no per-value trim, which was a large
        # share of a 10M-row parse); only values that fail are stripped of edge blanks and tried again
        # (COALESCE evaluates its second argument only for those rows). Parsing from _raw_ts instead
        # would need another projection level, which with 10,000 columns exceeds the memory budget.
        ts_sql = (f"coalesce({timeparse.sql_expression(src['timestamp'], tfmt)}, "
                  f"{timeparse.sql_expression(_trim_blanks(src['timestamp']), tfmt)})")
        inner = [f"{_blank_null(src['customer_id'])} AS customer_id", f"{_blank_null(src['timestamp'])} AS _raw_ts",
                 f"{ts_sql} AS timestamp"]
        for canon in _TEXT[:-1]:
            if canon in mapping:
                inner.append(f"{_blank_null(src[canon])} AS {canon}")
        if "feedback" in mapping:
            inner.append(f"{src['feedback']} AS feedback")
        for canon, dec in decimals.items():
            inner.append(f"{_number_sql(src[canon], dec)} AS {canon}")
            inner.append(f"{src[canon]} AS _has_{canon}")      # the text ("has a value?" is checked one level up)
        for c in extras:
            inner.append(f"{quote_ident(c)} AS {quote_ident(alias[c])}")
        # (No third level: with 10,000 extra columns each level of projection costs memory.)
        outer = ["* EXCLUDE (_raw_ts" + "".join(f", _has_{c}" for c in decimals) + ")",
                 "CASE WHEN timestamp IS NULL THEN _raw_ts END AS _raw_ts"]
        # A value is a bad number when it is not blank and did not parse; the blank test runs only on
        # the values that failed to parse (CASE evaluates a branch only for its rows).
        outer += [f"CASE WHEN {c} IS NULL AND _has_{c} IS NOT NULL THEN {_blank_null(f'_has_{c}')} IS NOT NULL "
                  f"ELSE false END AS _bad_{c}" for c in decimals]
        outer.append("CASE WHEN customer_id IS NULL THEN 'missing customer id' "
                     "WHEN _raw_ts IS NULL THEN 'missing timestamp' "
                     "WHEN timestamp IS NULL THEN 'unparseable timestamp' END AS _reason")
        def sql() -> str:   # raw.source changes if the file must be transcoded midway
            return (f"CREATE OR REPLACE TEMP TABLE parsed AS SELECT {', '.join(outer)} "
                    f"FROM (SELECT {', '.join(inner)} FROM {raw.source})")
        try:
            _with_encoding_retry(con, raw, lambda: execute(con, sql()))
        except IngestError:
            _drop_rejects(con)
            raise

    tfmt = timeparse.detect_format(samples.get(mapping["timestamp"], []), day_first=options.day_first)

    def parse_and_collect() -> None:
        parse(tfmt)
        if raw.info.kind == "csv":
            # DuckDB reports one error per missing field of a short line: one row per line here.
            raw.malformed = run(con, "SELECT CAST(line AS BIGINT) AS line, "
                                     "arg_min(CAST(error_type AS VARCHAR) || ': ' || error_message, "
                                     "coalesce(column_idx, 0)) AS error, "
                                     "arg_min(csv_line, coalesce(column_idx, 0)) AS text "
                                     "FROM reject_errors GROUP BY line ORDER BY line")
            _drop_rejects(con)

    def general_parse():
        """Every other file: all text, parsed and checked value by value (``parsed``)."""
        nonlocal tfmt
        parse_and_collect()
        if raw.info.kind == "csv" and raw.malformed["error"].str.startswith("INVALID ENCODING").any():
            # UTF-8 in the sniffed head, another encoding further down: transcode the whole file and reparse.
            if options.encoding is not None or raw.info.encoding not in (None, "utf-8"):
                raise IngestError.one(f"{raw.info.path.name} is not valid {raw.info.encoding} "
                                      f"(line {int(raw.malformed['line'].iloc[0])})",
                                      f"Choose the file's encoding ({', '.join(ENCODINGS)}).", key="bad_encoding_line",
                                      values={"name": raw.info.path.name, "encoding": str(raw.info.encoding),
                                              "line": str(int(raw.malformed['line'].iloc[0])),
                                              "encodings": ", ".join(ENCODINGS)})
            with open(raw.info.path, "rb") as f:
                data = f.read()
            bad = _first_bad_utf8(data)
            raw.info.encoding = guess_legacy_encoding(data[max(0, bad - 4096): bad + SNIFF_BYTES])
            problems.append(Problem(
                f"The file is not UTF-8 throughout (first bad byte at {bad}); read as {raw.info.encoding}",
                "If letters look wrong in the preview, choose the right encoding and load again.",
                key="not_utf8", values={"byte": str(bad), "encoding": str(raw.info.encoding)}))
            _use_csv(raw, _transcode(raw.info, raw.workdir))
            parse_and_collect()
        raw.n_records = int(scalar(con, "SELECT count(*) FROM parsed"))
        total = raw.n_records + len(raw.malformed)
        name = raw.info.path.name
        if total == 0:
            raise IngestError.one(f"{name} has a header but no rows", "Export the data again including the rows.",
                                  key="no_rows", values={"name": name})
        if len(raw.malformed) and len(raw.malformed) > MAX_REJECT_SHARE * total:
            ex = "; ".join(f"line {r.line}: {r.error}" for r in raw.malformed.head(3).itertuples())
            raise IngestError.one(
                f"{name}: {len(raw.malformed)} of {total} lines do not have the header's "
                f"{len(raw.columns)} fields (delimiter '{_show_delim(raw.info.delimiter)}') — {ex}",
                "The file is ragged or uses another delimiter: check the delimiter and quoting in the export, "
                "or choose the delimiter by hand.", key="ragged",
                values={"name": name, "bad": len(raw.malformed), "total": total, "fields": len(raw.columns),
                        "delim": _show_delim(raw.info.delimiter) if raw.info.delimiter != "\t" else {"t": "prob.tab"},
                        "examples": [[str(r.line), str(r.error)] for r in raw.malformed.head(3).itertuples()]})
        # Formats seen only past the head (e.g. a second date style later in the file): learn them once.
        failing = run(con, "SELECT DISTINCT _raw_ts AS v FROM parsed WHERE _reason = 'unparseable timestamp' LIMIT 2000")
        if len(failing):
            more = timeparse.detect_format(samples.get(mapping["timestamp"], []) + failing["v"].tolist(),
                                           day_first=options.day_first)
            if more.describe() != tfmt.describe():
                tfmt = more
                parse(tfmt)
                _drop_rejects(con)
        if tfmt.assumed_order:
            problems.append(Problem(
                f"Dates in '{mapping['timestamp']}' could be day-first or month-first; read as {tfmt.describe()}",
                "If that is wrong, choose the other order in the mapping and load again.", column=mapping["timestamp"],
                key="day_month", values={"column": mapping["timestamp"], "format": tfmt.describe()}))

        # Stages: canonical keys for synonyms in any language; other values kept as written.
        raw_counts = run(con, f"SELECT {stage_key} AS v, count(*) AS n FROM parsed WHERE _reason IS NULL GROUP BY 1")
        esm = {str(k): v for k, v in (event_stage_map or {}).items()}
        stage_of = {}
        for v in raw_counts["v"].tolist():
            if v is None or v != v:
                continue
            if stage_key == "stage":
                stage_of[v] = schema.normalise_stage(v)
            else:
                stage_of[v] = esm.get(v) or schema.canonical_stage(v)
        changed = {k: v for k, v in stage_of.items() if v != k or stage_key == "event"}
        default = "parsed.stage" if stage_key == "stage" else "NULL"
        join = ""
        if stage_key == "stage" and not changed:
            stage_sql = "parsed.stage"
        elif len(changed) <= 2000:
            # A view cannot hold bound parameters: stage names go in as escaped literals.
            whens = " ".join(f"WHEN {quote_literal(k)} THEN {quote_literal(v) if v is not None else 'NULL'}"
                             for k, v in changed.items())
            stage_sql = f"CASE parsed.{stage_key} {whens} ELSE {default} END" if whens else default
        else:
            smap = pd.DataFrame({"k": list(changed), "v": list(changed.values())}).astype(object)
            run(con, "CREATE OR REPLACE TEMP TABLE cj_stage_map AS SELECT * FROM smap", smap=smap)
            join = f" LEFT JOIN cj_stage_map sm ON sm.k = parsed.{stage_key}"
            stage_sql = f"coalesce(sm.v, {default})"
        out_cols = ["parsed.customer_id", "parsed.timestamp", f"{stage_sql} AS stage"]
        out_cols += [f"parsed.{c}" for c in _TEXT[1:] if c in mapping]
        out_cols += [f"parsed.{c}" for c in decimals] + [f"parsed.{quote_ident(alias[c])}" for c in extras]
        execute(con, f"CREATE OR REPLACE TEMP VIEW events_new AS SELECT {', '.join(out_cols)}, parsed.rowid + 1 AS _record "
                     f"FROM parsed{join} WHERE parsed._reason IS NULL")
        rej_cols = ["customer_id", "_raw_ts AS timestamp_text"] + \
            [c for c in _TEXT if c in mapping] + list(decimals) + [quote_ident(alias[c]) for c in extras]
        execute(con, "CREATE OR REPLACE TEMP TABLE rejects_new AS SELECT CAST(NULL AS BIGINT) AS line, "
                     f"rowid + 1 AS record, _reason AS reason, {', '.join(rej_cols)} FROM parsed WHERE _reason IS NOT NULL")
        if len(raw.malformed):
            run(con, "INSERT INTO rejects_new (line, record, reason, customer_id) "
                     "SELECT line, NULL, 'malformed line (' || error || ')', text FROM m", m=raw.malformed)

        # duplicates on the stage as saved ('Покупка' and 'purchase' are one stage in the dataset)
        dup_key = ", ".join(["parsed.customer_id", "parsed.timestamp"] + ([stage_sql] if "stage" in mapping else [])
                            + (["parsed.event"] if "event" in mapping else []))
        stats = run(con, (
            "SELECT count(*) FILTER (WHERE _reason IS NULL) AS usable, "
            "count(*) FILTER (WHERE _reason = 'missing customer id') AS missing_ids, "
            "count(*) FILTER (WHERE _reason = 'missing timestamp') AS missing_ts, "
            "count(*) FILTER (WHERE _reason = 'unparseable timestamp') AS bad_ts, "
            "count(DISTINCT customer_id) FILTER (WHERE _reason IS NULL) AS customers, "
            "min(timestamp) FILTER (WHERE _reason IS NULL) AS tmin, max(timestamp) FILTER (WHERE _reason IS NULL) AS tmax, "
            "count(*) FILTER (WHERE _reason IS NULL AND timestamp > $now) AS future, "
            f"count(*) FILTER (WHERE _reason IS NULL) - count(DISTINCT hash({dup_key})) FILTER (WHERE _reason IS NULL) "
            "AS dup" + "".join(f", count(*) FILTER (WHERE _bad_{c}) AS bad_{c}" for c in decimals) +
            f" FROM parsed{join}"), {"now": now}).iloc[0]
        bad_ts_examples = run(con, "SELECT DISTINCT _raw_ts AS v FROM parsed WHERE _reason = 'unparseable timestamp' "
                                   "LIMIT 5")["v"].tolist()
        return stats, raw_counts, stage_of, bad_ts_examples

    raw.events_file = None
    fast = _fast_parse(con, raw, mapping, src=src, decimals=decimals, extras=extras, alias=alias,
                       stage_key=stage_key, tfmt=tfmt, samples=samples, now=now)
    stats, raw_counts, stage_of, bad_ts_examples = fast if fast is not None else general_parse()
    dup = int(stats["dup"])
    per_stage = schema.stage_counts(zip(raw_counts["v"].tolist(), raw_counts["n"].tolist()), stage_of, stage_order)
    order = [s for s in per_stage if s != "(none)"]
    for canon in decimals:
        n_bad = int(stats[f"bad_{canon}"])
        if n_bad:
            problems.append(Problem(f"{n_bad} value(s) in '{mapping[canon]}' ({canon}) are not numbers; "
                                    f"they are left empty (the rows are kept)",
                                    "Check the column for text, currency words or NaN/Inf.", column=mapping[canon],
                                    key="not_numbers", values={"n": n_bad, "column": mapping[canon], "field": canon}))

    usable = int(stats["usable"])
    n_unusable = int(stats["missing_ids"] + stats["missing_ts"] + stats["bad_ts"]) + len(raw.malformed)
    rows_read = raw.n_records + len(raw.malformed)
    if stats["missing_ids"]:
        problems.append(Problem(f"{int(stats['missing_ids'])} row(s) have no customer id and cannot be used",
                                f"Fill in '{mapping['customer_id']}' for those rows (see the unusable rows download).",
                                column=mapping["customer_id"], key="missing_ids",
                                values={"n": int(stats["missing_ids"]), "column": mapping["customer_id"]}))
    if stats["missing_ts"]:
        problems.append(Problem(f"{int(stats['missing_ts'])} row(s) have no timestamp and cannot be used",
                                f"Fill in '{mapping['timestamp']}' for those rows.", column=mapping["timestamp"],
                                key="missing_ts", values={"n": int(stats["missing_ts"]), "column": mapping["timestamp"]}))
    if stats["bad_ts"]:
        ex = ", ".join(repr(v) for v in bad_ts_examples[:3])
        problems.append(Problem(f"{int(stats['bad_ts'])} timestamp(s) in '{mapping['timestamp']}' could not be read "
                                f"(e.g. {ex}); read as {tfmt.describe()}",
                                "Use ISO 8601 (2026-03-04 12:30:00) or one consistent date format.",
                                column=mapping["timestamp"], key="bad_ts",
                                values={"n": int(stats["bad_ts"]), "column": mapping["timestamp"], "examples": ex,
                                        "format": tfmt.describe() if tfmt.describe() != "unrecognised"
                                        else {"t": "prob.fmt.unrecognised"}}))
    if len(raw.malformed):
        lines = ", ".join(str(x) for x in raw.malformed["line"].head(5).tolist())
        problems.append(Problem(f"{len(raw.malformed)} line(s) do not have the header's {len(raw.columns)} fields "
                                f"(lines {lines})", "Fix the quoting or delimiters on those lines.", key="malformed",
                                values={"n": len(raw.malformed), "fields": len(raw.columns), "lines": lines}))
    if stats["future"]:
        problems.append(Problem(f"{int(stats['future'])} event(s) are dated in the future (after {now:%Y-%m-%d})",
                                "Check the time zone or the date format; the rows are kept.", key="future",
                                values={"n": int(stats["future"]), "date": f"{now:%Y-%m-%d}"}))
    if dup:
        problems.append(Problem(f"{dup} row(s) repeat another row's customer, time, stage and event",
                                "They are kept; remove them in the source if they are double-logged.",
                                key="duplicates", values={"n": int(dup)}))
    if "stage" not in mapping:
        unmapped = per_stage.get("(none)", 0)
        if unmapped:
            problems.append(Problem(f"{unmapped} event(s) are not mapped to a journey stage",
                                    "Map events to stages on the Data page, or use events as funnel steps.",
                                    key="unmapped", values={"n": int(unmapped)}))
    if usable == 0:
        problems.insert(0, Problem("No usable rows: every row lacks a customer id or a readable timestamp",
                                   "Check the mapping of the customer id and timestamp columns.", key="no_usable"))
        raise IngestError(problems)

    return QualityReport(
        file=raw.info.path.name, format=raw.info.kind + (" (gzip)" if raw.info.compressed else ""),
        encoding=raw.info.encoding, delimiter=raw.info.delimiter, rows_read=rows_read, rows_usable=usable,
        rows_unusable=n_unusable, customers=int(stats["customers"]),
        time_min=None if pd.isna(stats["tmin"]) else str(stats["tmin"]),
        time_max=None if pd.isna(stats["tmax"]) else str(stats["tmax"]),
        events_per_stage=per_stage, duplicates=dup, unparseable_timestamps=int(stats["bad_ts"]),
        unparseable_timestamp_examples=[str(v) for v in bad_ts_examples], missing_timestamps=int(stats["missing_ts"]),
        missing_ids=int(stats["missing_ids"]), future_dates=int(stats["future"]),
        malformed_lines=len(raw.malformed), timestamp_format=tfmt.describe(), mapping=dict(mapping),
        stage_order=order, problems=[str(p) for p in problems],
        problem_items=[p.to_item() for p in problems],
    )


# --------------------------------------------------------------------------- whole pipeline

@dataclass
class Ingested:
    report: QualityReport
    raw: RawTable
    detection: schema.Detection


def ingest(con, path, *, mapping: dict | None = None, options: ReadOptions | None = None,
           event_stage_map: dict | None = None, stage_order: list | None = None, workdir: Path) -> Ingested:
    """Read, detect (unless ``mapping`` is given) and build; tables stay in ``con`` (until
    :func:`cleanup`)."""
    raw = read_raw(con, path, options, workdir=workdir)
    det = detect(con, raw)
    use = dict(mapping) if mapping else dict(det.mapping)
    report = build_events(con, raw, use, options=options, event_stage_map=event_stage_map, stage_order=stage_order)
    return Ingested(report, raw, det)


def save_dataset(con, ws: Workspace, ingested: Ingested, *, name: str, source_path: str | os.PathLike | None = None,
                 dataset_id: str | None = None, event_stage_map: dict | None = None,
                 options: ReadOptions | None = None) -> DatasetMeta:
    """Write ``events_new``/``rejects_new`` and the meta to the workspace, atomically."""
    staging = ws.staging_dir()
    try:
        done = ingested.raw.events_file
        if done is not None and done.exists():     # the clean-file path wrote the events already
            try:
                os.link(done, staging / "events.parquet")
            except OSError:
                shutil.copyfile(done, staging / "events.parquet")
        else:
            execute(con, f"COPY (SELECT * EXCLUDE (_record) FROM events_new) TO "
                         f"{quote_literal(str(staging / 'events.parquet'))} (FORMAT parquet, COMPRESSION zstd)")
        execute(con, f"COPY rejects_new TO {quote_literal(str(staging / 'rejects.parquet'))} (FORMAT parquet)")
        suffix = ""
        if source_path is not None:
            suffix = "".join(s for s in Path(source_path).suffixes[-2:] if s.isascii() and len(s) <= 8) or ".csv"
            try:     # uploads live in the workspace: a hard link keeps the original at no cost
                os.link(source_path, staging / ("source" + suffix))
            except OSError:
                shutil.copyfile(source_path, staging / ("source" + suffix))
        cols = [c for c in run(con, "SELECT * EXCLUDE (_record) FROM events_new LIMIT 0").columns]
        meta = DatasetMeta(
            id=dataset_id or new_dataset_id(), name=name, source=ingested.report.file,
            mapping=ingested.report.mapping, stage_order=ingested.report.stage_order,
            event_stage_map=dict(event_stage_map or {}), columns=cols, report=ingested.report.to_json(),
            extra={"read_options": asdict(options or ReadOptions()), "source_columns": list(ingested.raw.columns),
                   "source_file": ("source" + suffix) if source_path is not None else None})
        return ws.commit(staging, meta)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def ingest_to_workspace(path, ws: Workspace, *, name: str | None = None, mapping: dict | None = None,
                        options: ReadOptions | None = None, event_stage_map: dict | None = None,
                        stage_order: list | None = None, dataset_id: str | None = None,
                        con: duckdb.DuckDBPyConnection | None = None) -> tuple[DatasetMeta, Ingested]:
    """Everything from a file path to a saved dataset (used by the CLI, the app and benchmarks)."""
    from .store import connect

    own = con is None
    con = con or connect()
    with tempfile.TemporaryDirectory(prefix="cj-ingest-") as tmp:
        try:
            ing = ingest(con, path, mapping=mapping, options=options, event_stage_map=event_stage_map,
                         stage_order=stage_order, workdir=Path(tmp))
            meta = save_dataset(con, ws, ing, name=name or Path(path).name, source_path=path, dataset_id=dataset_id,
                                event_stage_map=event_stage_map, options=options)
            return meta, ing
        finally:
            cleanup(con)
            if own:
                con.close()


def cleanup(con) -> None:
    """Drop the working tables and views an ingest leaves in ``con``."""
    execute(con, "DROP VIEW IF EXISTS events_new")
    _drop_clean_files(con)
    for tbl in ("rejects_new", "parsed", "raw", "cj_stage_map"):
        execute(con, f"DROP TABLE IF EXISTS {tbl}")
    _drop_rejects(con)


def reingest(ws: Workspace, dataset_id: str, *, mapping: dict | None = None, event_stage_map: dict | None = None,
             stage_order: list | None = None, options: ReadOptions | None = None) -> tuple[DatasetMeta, Ingested]:
    """Rebuild a saved dataset from its kept source file with a corrected mapping.

    The dataset keeps its id (share links stay valid) and its name; the swap is atomic.
    """
    meta = ws.meta(dataset_id)
    src_name = meta.extra.get("source_file")
    src = ws.dir(dataset_id) / src_name if src_name else None
    if src is None or not src.exists():
        raise IngestError.one(f"The original file of '{meta.name}' is not kept",
                              "Upload the file again to change its mapping.")
    if options is None and meta.extra.get("read_options"):
        options = ReadOptions(**meta.extra["read_options"])
    with tempfile.TemporaryDirectory(prefix="cj-reingest-") as tmp:
        keep = Path(tmp) / src.name
        shutil.copyfile(src, keep)          # the dataset folder is replaced during commit
        new_meta, ing = ingest_to_workspace(
            keep, ws, name=meta.name, mapping=mapping or meta.mapping,
            event_stage_map=meta.event_stage_map if event_stage_map is None else event_stage_map,
            stage_order=meta.stage_order if stage_order is None else stage_order, options=options, dataset_id=dataset_id)
    new_meta.segment_names = meta.segment_names
    new_meta.extra = {**meta.extra, **new_meta.extra}
    ws.save_meta(new_meta)
    return new_meta, ing
