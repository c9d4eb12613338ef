"""Table exports that spreadsheets cannot execute (CSV, XLSX).

A cell that starts with ``=``, ``+``, ``-``, ``@``, tab or carriage return is
a formula to Excel/LibreOffice (CSV injection, OWASP). Text cells like that
are prefixed with ``'`` so they display as typed and never run; numeric
columns are left as numbers.
"""
from __future__ import annotations

import io

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out.columns = [neutralise(str(c)) for c in out.columns]
    for c in out.columns:
        col = out[c]
        if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_datetime64_any_dtype(col)
                or pd.api.types.is_bool_dtype(col)):
            out[c] = col.map(neutralise).astype(object)
    return out


def csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 CSV with BOM (so Excel shows Cyrillic/Chinese), formulas neutralised."""
    return safe_frame(df).to_csv(index=False).encode("utf-8-sig")


def xlsx_bytes(df: pd.DataFrame, sheet: str = "data") -> bytes:
    buf = io.BytesIO()
    frame = safe_frame(df)
    for c in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[c]) and getattr(frame[c].dt, "tz", None) is not None:
            frame[c] = frame[c].dt.tz_localize(None)
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        frame.to_excel(xw, sheet_name=sheet[:31], index=False)
        ws = xw.sheets[sheet[:31]]
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"   # stored as text, never as a formula
    return buf.getvalue()
