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

    def __str__(self) -> str:
        return f"{self.message} — {self.fix}" if self.fix else self.message


@dataclass
class CJError(Exception):
    """Base error: a list of problems shown to the user together."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    @classmethod
    def one(cls, message: str, fix: str = "", **kw) -> "CJError":
        return cls([Problem(message, fix, **kw)])

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
