"""Typed errors that carry every problem at once, each with its fix.

Caller and data-contract problems raise a :class:`CJError`; statistically
degenerate cases are returned as values by the analyses instead.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, and what to do about it."""

    message: str
    fix: str = ""
    column: str | None = None
    rows: tuple[int, ...] = ()
    # Optional template for other languages: ``prob.<key>.msg`` / ``prob.<key>.fix`` in cj.i18n, filled
    # with ``values`` (ints are counts, str are texts from the data or technical names shown as written,
    # [[line, text], ...] are line examples, {"t": key} is another template). English is always ``message``.
    key: str | None = field(default=None, compare=False)
    values: dict = field(default_factory=dict, compare=False, hash=False)

    def __str__(self) -> str:
        return f"{self.message} — {self.fix}" if self.fix else self.message

    def text_in(self, lang: str = "en", escape=None) -> str:
        """``message — fix`` in ``lang``; English (or a problem without a template) is ``str(self)``.
        ``escape`` (e.g. Markdown escaping) is applied to texts from the data."""
        if not self.key or lang == "en":
            return str(self)
        return self.render(lang, escape)

    def render(self, lang: str = "en", escape=None) -> str:
        """The templates filled in ``lang`` (also for English: tests check it reproduces ``str(self)``)."""
        from . import i18n

        base = f"prob.{self.key}"
        if f"{base}.msg" not in i18n.STRINGS:
            return str(self)
        vals = {k: _value_text(v, lang, escape) for k, v in self.values.items()}
        msg = i18n.t(f"{base}.msg", lang, **vals)
        fix = i18n.t(f"{base}.fix", lang, **vals) if f"{base}.fix" in i18n.STRINGS else ""
        return f"{msg} — {fix}" if fix else msg

    def to_item(self) -> dict:
        """JSON form (saved in a dataset's quality report): key, values and the English text."""
        return {"key": self.key, "values": dict(self.values), "text": str(self)}

    @classmethod
    def from_item(cls, item) -> "Problem":
        """Back from :meth:`to_item` (or a plain English string)."""
        if isinstance(item, str):
            return cls(item)
        return cls(str(item.get("text", "")), key=item.get("key"), values=dict(item.get("values") or {}))


def _value_text(v, lang: str, escape=None) -> str:
    from . import i18n

    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int):
        return i18n.format_number(v, lang)
    if isinstance(v, float):
        return i18n.format_number(v, lang, decimals=1)
    if isinstance(v, dict) and "t" in v:
        return i18n.t(str(v["t"]), lang)
    if isinstance(v, (list, tuple)):
        return "; ".join(i18n.t("prob.line_example", lang, line=str(a), error=_esc(b, escape)) for a, b in v)
    return _esc(v, escape)


def _esc(v, escape) -> str:
    return escape(str(v)) if escape is not None else str(v)


@dataclass
class CJError(Exception):
    """Base error: a list of problems shown to the user together."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    @classmethod
    def one(cls, message: str, fix: str = "", **kw) -> "CJError":
        return cls([Problem(message, fix, **kw)])

    def text_in(self, lang: str = "en", escape=None) -> str:
        """:attr:`message` in ``lang``."""
        return "; ".join(p.text_in(lang, escape) for p in self.problems) or self.__class__.__name__

    @property
    def message(self) -> str:
        return "; ".join(str(p) for p in self.problems) or self.__class__.__name__

    def __str__(self) -> str:
        return self.message


class IngestError(CJError):
    """The file cannot be turned into an events table."""


class StoreError(CJError):
    """A workspace or dataset problem (missing, corrupt, not writable)."""


class ParameterError(CJError):
    """An analysis was asked for something the data does not have."""


class ResourceError(CJError):
    """A computation hit a resource limit of the session (memory), not a problem of the data."""
