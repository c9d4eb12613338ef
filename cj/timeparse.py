"""Recognise how a column writes its timestamps and build the SQL that parses it.

Accepted: ISO 8601 with or without zone (converted to UTC; no zone means
UTC), day-first and month-first dates with ``.`` ``/`` ``-`` separators,
optional time and AM/PM, Chinese ``2026年3月4日``, and epoch seconds,
milliseconds or microseconds. A column may mix these families; each value is
parsed by the first family that accepts it.

Ambiguous dates such as ``03/04/2026``: if any value has a first field above
12 the column is day-first, if any has a second field above 12 it is
month-first; with no evidence ``/`` is read month-first (US exports) and
``.`` / ``-`` day-first (European), and the quality report says so.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_ISO = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}([T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*(Z|UTC|[+-]\d{2}(:?\d{2})?)?$", re.I)
_YMD_SLASH = re.compile(r"^\d{4}/\d{1,2}/\d{1,2}( \d{1,2}:\d{2}(:\d{2})?)?$")
_DMY = re.compile(r"^(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*([AaPp][Mm])?)?$")
_ZH = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日(\s*\d{1,2}[:时]\d{2}分?(:\d{2})?)?$")
_EPOCH = re.compile(r"^\d{9,16}(\.\d+)?$")


@dataclass
class TimeFormat:
    """How a column's timestamps are written (families found in a sample)."""

    iso: bool = False
    ymd_slash: bool = False
    chinese: bool = False
    epoch: str | None = None            # "s", "ms" or "us"
    dmy_sep: list = field(default_factory=list)   # separators of day/month dates seen
    day_first: bool | None = None
    assumed_order: bool = False         # no evidence for day vs month first
    has_ampm: bool = False
    two_digit_year: bool = False

    @property
    def empty(self) -> bool:
        return not (self.iso or self.ymd_slash or self.chinese or self.epoch or self.dmy_sep)

    def describe(self) -> str:
        parts = []
        if self.iso:
            parts.append("ISO 8601")
        if self.ymd_slash:
            parts.append("YYYY/MM/DD")
        if self.chinese:
            parts.append("YYYY年MM月DD日")
        for sep in self.dmy_sep:
            parts.append(("DD" + sep + "MM" + sep + "YYYY") if self.day_first else ("MM" + sep + "DD" + sep + "YYYY"))
        if self.epoch:
            parts.append({"s": "epoch seconds", "ms": "epoch milliseconds", "us": "epoch microseconds"}[self.epoch])
        return ", ".join(parts) or "unrecognised"


def _epoch_unit(s: str) -> str:
    digits = len(s.split(".")[0])
    return "s" if digits <= 11 else ("ms" if digits <= 14 else "us")


def detect_format(values, *, day_first: bool | None = None) -> TimeFormat:
    """Inspect sample values (strings) and return the families they use."""
    fmt = TimeFormat()
    first_gt12 = second_gt12 = False
    for v in values:
        if v is None:
            continue
        s = str(v).strip()
        if not s:
            continue
        if _ISO.match(s):
            fmt.iso = True
        elif _YMD_SLASH.match(s):
            fmt.ymd_slash = True
        elif _ZH.match(s):
            fmt.chinese = True
        elif _EPOCH.match(s):
            fmt.epoch = fmt.epoch or _epoch_unit(s)
        else:
            m = _DMY.match(s)
            if m:
                a, sep, b, year = int(m.group(1)), m.group(2), int(m.group(3)), m.group(4)
                if sep not in fmt.dmy_sep:
                    fmt.dmy_sep.append(sep)
                first_gt12 |= a > 12
                second_gt12 |= b > 12
                fmt.has_ampm |= bool(m.group(8))
                fmt.two_digit_year |= len(year) == 2
    if fmt.dmy_sep:
        if day_first is not None:
            fmt.day_first = day_first
        elif first_gt12 and not second_gt12:
            fmt.day_first = True
        elif second_gt12 and not first_gt12:
            fmt.day_first = False
        else:
            fmt.day_first = fmt.dmy_sep[0] != "/"
            fmt.assumed_order = not (first_gt12 and second_gt12)
    return fmt


def looks_like_timestamps(values, threshold: float = 0.8) -> bool:
    vals = [str(v).strip() for v in values if v not in (None, "")]
    if not vals:
        return False
    ok = 0
    for s in vals:
        if _ISO.match(s) or _YMD_SLASH.match(s) or _ZH.match(s) or _DMY.match(s):
            ok += 1
        elif _EPOCH.match(s) and len(s.split(".")[0]) in (10, 13, 16):  # plausible epoch lengths only
            ok += 1
    return ok >= threshold * len(vals)


def _dmy_formats(fmt: TimeFormat) -> list[str]:
    out = []
    years = ["%Y", "%y"] if fmt.two_digit_year else ["%Y"]
    for sep in fmt.dmy_sep:
        for y in years:
            date = f"%d{sep}%m{sep}{y}" if fmt.day_first else f"%m{sep}%d{sep}{y}"
            for t in (" %H:%M:%S", " %H:%M", " %I:%M:%S %p", " %I:%M %p", "T%H:%M:%S", ", %H:%M:%S", ""):
                out.append(date + t)
    return out


def sql_expression(col_sql: str, fmt: TimeFormat) -> str:
    """SQL turning VARCHAR ``col_sql`` into a naive-UTC TIMESTAMP (NULL when unparseable).

    ``col_sql`` must already be a quoted identifier or expression. Edge blanks are the caller's:
    ingest tries the value as read, then (only where that fails) without its edge blanks.
    """
    x = col_sql
    parts = []
    if fmt.iso or fmt.empty:
        # The instant's microseconds, not a TIMESTAMPTZ→TIMESTAMP cast: that cast goes through ICU's
        # calendar per value (2.5× slower) and would keep 'infinity', which is no date.
        parts.append(f"make_timestamp(epoch_us(try_cast({x} AS TIMESTAMPTZ)))")
    fmts: list[str] = []
    if fmt.ymd_slash:
        fmts += ["%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d"]
    if fmt.chinese:
        fmts += ["%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日%H:%M", "%Y年%m月%d日"]
    fmts += _dmy_formats(fmt)
    if fmts:
        lst = "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in fmts) + "]"
        parts.append(f"try_strptime({x}, {lst})")
    if fmt.epoch:
        # Each value's unit from its digits (as _epoch_unit): a column mixing seconds and milliseconds
        # parses, and no value reaches to_timestamp out of its range (which raises, try_cast or not,
        # and would refuse the whole file).
        digits = f"length(split_part({x}, '.', 1))"
        div = f"CASE WHEN {digits} <= 11 THEN 1 WHEN {digits} <= 14 THEN 1000.0 ELSE 1000000.0 END"
        parts.append(
            f"CASE WHEN regexp_full_match({x}, '\\d{{9,16}}(\\.\\d+)?') "
            f"THEN try_cast(to_timestamp(try_cast({x} AS DOUBLE) / ({div})) AS TIMESTAMP) END")
    return parts[0] if len(parts) == 1 else "COALESCE(" + ", ".join(parts) + ")"


# ----------------------------------------------------------------- durations (windows)

_WINDOW_UNITS = {
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
    "w": 604800, "wk": 604800, "week": 604800, "weeks": 604800,
}
_NO_WINDOW = {"none", "no limit", "nolimit", "unlimited", "inf", "infinite", "off", "∞"}
_WINDOW_TOKEN = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]+)\s*")


def parse_window(text):
    """``"30d"``, ``"12h"``, ``"90m"``, ``"45s"``, ``"2w"``, ``"1d12h"`` -> timedelta; ``"none"`` -> None.

    Raises :class:`cj.errors.ParameterError` (with the accepted forms) on anything else.
    """
    from datetime import timedelta

    from .errors import ParameterError

    if text is None:
        return None
    raw = str(text).strip().lower()
    if raw in _NO_WINDOW:
        return None
    fix = "Write a number and a unit, e.g. '30d', '12h', '90m', '45s', '2w' or '1d12h', or 'none' for no limit."
    pos, total = 0, 0.0
    while pos < len(raw):
        m = _WINDOW_TOKEN.match(raw, pos)
        if not m or m.group(2) not in _WINDOW_UNITS:
            raise ParameterError.one(f"'{text}' is not a time window", fix)
        total += float(m.group(1)) * _WINDOW_UNITS[m.group(2)]
        pos = m.end()
    if pos == 0:
        raise ParameterError.one(f"'{text}' is not a time window", fix)
    return timedelta(seconds=total)
