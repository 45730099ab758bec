"""What every download that a spreadsheet program opens needs: no cell that
it would run as a formula. Shared by the apps' CSV and XLSX exports."""

from __future__ import annotations

from typing import Any

# A cell starting with one of these is read as a formula by spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text
