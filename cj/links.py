"""View state ⇄ a readable, versioned query string (``?v=1&ds=…&steps=…``).

Share links are decoded defensively: unknown keys and bad values fall back to
the defaults with a note for the user; nothing is ever evaluated or unpickled.
Values are plain strings with a small grammar per kind (below); checking a value
against the data (is this stage in the dataset?) is the page's job.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Mapping

VERSION = "1"
MAX_VALUE_LEN = 2000

_ID = re.compile(r"^[A-Za-z0-9_-]{6,64}$")
_WINDOW = re.compile(r"^(none|(\d{1,6}(\.\d+)?\s*[a-z]{1,7}\s*){1,4})$", re.I)


def _text(v: str) -> str:
    if len(v) > MAX_VALUE_LEN or any(ord(ch) < 32 for ch in v):
        raise ValueError("too long or contains control characters")
    return v


def _int_in(lo: int, hi: int) -> Callable[[str], int]:
    def parse(v: str) -> int:
        if not re.fullmatch(r"-?\d{1,10}", v.strip()):
            raise ValueError("not a whole number")
        n = int(v)
        if not lo <= n <= hi:
            raise ValueError(f"not between {lo} and {hi}")
        return n
    return parse


def _choice(*options: str) -> Callable[[str], str]:
    def parse(v: str) -> str:
        if v not in options:
            raise ValueError(f"not one of {', '.join(options)}")
        return v
    return parse


def _id(v: str) -> str:
    if not _ID.match(v):
        raise ValueError("not a dataset id")
    return v


def _window(v: str) -> str:
    if not _WINDOW.match(v.strip()):
        raise ValueError("not a window like 30d, 12h or none")
    return v.strip().lower()


def _k(v: str) -> str:
    if v == "auto":
        return v
    return str(_int_in(2, 20)(v))


# key -> (parser, description). Keep in sync with the pages; README documents them.
KEYS: dict[str, tuple[Callable[[str], object], str]] = {
    "v": (_choice(VERSION), "link format version"),
    "ds": (_id, "dataset id"),
    "lang": (_choice("en", "ru", "zh"), "interface language"),
    "steps": (_text, "funnel steps, comma-separated, | for any-of"),
    "col": (_choice("stage", "event"), "funnel step column"),
    "mode": (_choice("ordered", "strict", "unordered", "open"), "funnel mode"),
    "window": (_window, "conversion window"),
    "per": (_choice("customer", "session"), "funnel unit"),
    "by": (_text, "breakdown column"),
    "grain": (_choice("week", "month"), "trend grain"),
    "k": (_k, "number of segments or auto"),
    "seed": (_int_in(0, 2**31 - 1), "random seed"),
    "exp": (_text, "experiment"),
    "ctrl": (_text, "control variant"),
    "goal": (_text, "goal or metric"),
    "awin": (_window, "A/B window after exposure"),
    "stage": (_text, "stage"),
    "tp": (_text, "touchpoint filter"),
    "seg": (_text, "segment filter"),
    "present": (_choice("0", "1"), "presentation mode"),
}


@dataclass
class Decoded:
    values: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)


def _first(v) -> str:
    if isinstance(v, (list, tuple)):
        return str(v[0]) if v else ""
    return str(v)


def decode(params: Mapping[str, object]) -> Decoded:
    """Validate query parameters; bad or unknown ones become notes, never exceptions."""
    out = Decoded()
    version = _first(params.get("v", VERSION))
    if version != VERSION:
        out.notes.append(f"This link was made by another version (v={version[:20]}); its view settings were ignored.")
        ds = _first(params.get("ds", ""))
        if _ID.match(ds):
            out.values["ds"] = ds
        return out
    for key, raw in params.items():
        key = str(key)
        if key not in KEYS:
            out.notes.append(f"Ignored an unknown setting in the link: '{key[:40]}'.")
            continue
        parser, what = KEYS[key]
        try:
            out.values[key] = parser(_first(raw))
        except ValueError as exc:
            out.notes.append(f"The link's {what} ('{_first(raw)[:40]}') is not valid ({exc}); using the default.")
    out.values.pop("v", None)
    return out


def encode(values: Mapping[str, object]) -> dict[str, str]:
    """Query parameters for a view state (only known keys, always versioned)."""
    out = {"v": VERSION}
    for key, value in values.items():
        if key not in KEYS or key == "v" or value is None:
            continue
        s = str(value)
        KEYS[key][0](s)      # never write what decode would reject
        out[key] = s
    return out
