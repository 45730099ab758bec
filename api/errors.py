from __future__ import annotations

from typing import Any

from django.utils.functional import Promise


class ApiError(Exception):
    """An answer other than success: its HTTP status, a stable code fronts
    can branch on, and a message in the caller's language."""

    def __init__(
        self, status: int, code: str, message: str | Promise, *, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": str(self.message)}
