"""Helpers for AppTest page tests."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent

# AppTest resets Streamlit's "legacy pages/ folder" flag before every run, so every
# at.run() would start as a legacy v1 run that executes the page file alone; pages.common.page()
# recovers with a rerun, but the widget action of that run (a click) is lost. A real server
# flips the flag once, on its first request (tested in the browser tests), and keeps it; make
# AppTest behave like that steady state.
from streamlit.runtime import pages_manager as _pm  # noqa: E402

_orig_init = _pm.PagesManager.__init__


def _steady_state_init(self, *args, **kwargs):
    _orig_init(self, *args, **kwargs)
    _pm.PagesManager.uses_pages_directory = False


_pm.PagesManager.__init__ = _steady_state_init


def app(query: dict | None = None, timeout: float = 120) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=timeout)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at


def texts(at) -> str:
    """All visible text-ish elements of a run, joined (for assertions)."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "info", "warning", "error",
                 "success"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [f"{m.label}: {m.value}" for m in at.metric]
    return "\n".join(parts)


def metric(at, label: str) -> str:
    for m in at.metric:
        if m.label == label:
            return m.value
    raise KeyError(label)
