"""Expected failures are data: domain functions return them, adapters map them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class UserError:
    """A problem the caller can fix. `field` is a path like ("items", "3", "email")."""

    code: str
    message: str
    field: tuple[str, ...] = ()


@dataclass
class Outcome(Generic[T]):
    value: T | None = None
    errors: list[UserError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @classmethod
    def fail(cls, code: str, message: str, *path: str) -> Outcome[T]:
        return cls(errors=[UserError(code, message, tuple(path))])
