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
    # CRLF line ends make pandas quote any cell holding a bare CR, so it cannot start a new row
    # (and a formula) in a spreadsheet.
    return safe_frame(df).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


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


# ---------------------------------------------------------------------------- chart images
#
# Charts are rendered offline by vl-convert (the Vega engine embedded in a Rust
# library; no browser, no network). Its text goes through resvg with the
# machine's fonts (fontdb loads the system font folders once per process):
# Latin and Cyrillic are covered by any common font (DejaVu, Liberation), but a
# bare Debian has no font with Chinese glyphs, and they come out as boxes. The
# Debian package ``fonts-wqy-microhei`` (1.6 MB) or ``fonts-noto-cjk`` (57 MB)
# fixes that; :func:`glyph_support` tells whether the current machine can, and
# :func:`register_font_directory` adds a folder of .ttf/.otf/.ttc files.

_GLYPH_PROBES = {"cyrillic": ("Ж", "Я"), "cjk": ("购", "忠")}
_glyph_cache: dict[str, bool] = {}


def _vl_spec(chart) -> dict:
    return chart if isinstance(chart, dict) else chart.to_dict()


def _vl_version() -> str | None:
    try:  # the Vega-Lite version Altair writes its specs for ("v6_4"); private helper, hence the guard
        from altair.utils._importers import vl_version_for_vl_convert

        return vl_version_for_vl_convert()
    except Exception:  # noqa: BLE001 - older/newer Altair: let vl-convert use its newest version
        return None


def chart_png(chart, scale: float = 2) -> bytes:
    """PNG bytes of an Altair chart (or a Vega-Lite dict), rendered offline.

    ``scale=2`` gives crisp images on slides and high-DPI screens. Text that no
    installed font covers is drawn as boxes (see :func:`glyph_support`).
    """
    import vl_convert as vlc

    return vlc.vegalite_to_png(_vl_spec(chart), vl_version=_vl_version(), scale=float(scale))


def chart_svg(chart) -> str:
    """SVG text of an Altair chart (or a Vega-Lite dict), rendered offline.

    Labels stay ``<text>`` elements (XML-escaped by the renderer), so the viewer's
    own fonts draw them; element ids are those of vl-convert (``clip1``, ...), see
    :func:`svg_with_unique_ids` before putting several SVGs into one HTML page.
    """
    import vl_convert as vlc

    return vlc.vegalite_to_svg(_vl_spec(chart), vl_version=_vl_version())


def svg_with_unique_ids(svg: str, prefix: str) -> str:
    """Prefix every ``id`` (and its ``url(#...)``/``href="#..."`` references) so that
    several inline SVGs can share one HTML document without their clip paths and
    gradients pointing at each other's."""
    import re

    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", prefix):
        raise ValueError(f"prefix={prefix!r} should be letters, digits, '-' or '_' (starting with a letter).")
    ids = set(re.findall(r'\bid="([^"]+)"', svg))
    if not ids:
        return svg

    def fix_id(m):
        return f'id="{prefix}-{m.group(1)}"' if m.group(1) in ids else m.group(0)

    def fix_ref(m):
        return f"{m.group(1)}{prefix}-{m.group(2)}{m.group(3)}" if m.group(2) in ids else m.group(0)

    svg = re.sub(r'\bid="([^"]+)"', fix_id, svg)
    svg = re.sub(r"(url\(#)([^)]+)(\))", fix_ref, svg)
    return re.sub(r'((?:xlink:)?href="#)([^"]+)(")', fix_ref, svg)


def _probe_png(text: str) -> bytes:
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "width": 40, "height": 40,
            "data": {"values": [{"t": text}]},
            "mark": {"type": "text", "fontSize": 30, "font": "sans-serif"}, "encoding": {"text": {"field": "t"}}}
    return chart_png(spec, scale=1)


def glyph_support() -> dict[str, bool]:
    """Whether chart images can show Cyrillic and Chinese text on this machine.

    ``{"cyrillic": bool, "cjk": bool}``. Measured rather than guessed from font
    names: two different characters of a script are rendered; a missing font
    draws both as the same box (or nothing), so identical images mean "missing".
    Cached per process (fonts are loaded once per process anyway).
    """
    for script, (a, b) in _GLYPH_PROBES.items():
        if script not in _glyph_cache:
            _glyph_cache[script] = _probe_png(a) != _probe_png(b)
    return dict(_glyph_cache)


def register_font_directory(path) -> None:
    """Let chart images use the fonts in ``path`` (e.g. a folder with a CJK .ttf)."""
    import vl_convert as vlc

    vlc.register_font_directory(str(path))
    _glyph_cache.clear()
