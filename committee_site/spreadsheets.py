"""Downloads of a list as CSV and XLSX, for every app: cells are text that
no spreadsheet program reads as a formula, rows are streamed (CSV) or kept
in a temporary file (XLSX), so a long list is never held in memory."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils import translation
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.utils import get_column_letter

# A cell starting with one of these is read as a formula by spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def spreadsheet_safe(value: Any) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


class _Echo:
    """csv.writer writes into this and gets the line back, for streaming."""

    def write(self, value: str) -> str:
        return value


def csv_response(
    *, filename: str, header: Callable[[], Sequence[str]], rows: Callable[[], Iterable[Sequence[Any]]]
) -> StreamingHttpResponse:
    """`header` and `rows` are called while the response streams, after the
    view returned: in the language the request had, which is kept for them."""
    language = translation.get_language() or "zh-hans"

    def lines() -> Iterator[bytes]:
        with translation.override(language):
            writer = csv.writer(_Echo())
            # The byte order mark makes Excel read the file as UTF-8 (Chinese intact).
            yield "\ufeff".encode()
            yield writer.writerow([spreadsheet_safe(cell) for cell in header()]).encode()
            for row in rows():
                yield writer.writerow([spreadsheet_safe(cell) for cell in row]).encode()

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _xlsx_text(sheet: Any, value: str) -> str | Cell:
    """A cell openpyxl stores as text. XML cannot carry control characters,
    so they are dropped rather than failing the download."""
    text = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not text.startswith("="):
        return text  # openpyxl types every other string as text
    # spreadsheet_safe leaves nothing starting with "=", but should one slip
    # through, it is typed as text all the same: the file holds no formula.
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    return cell


def xlsx_response(
    *,
    filename: str,
    sheet_title: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    widths: Sequence[int] = (),
) -> FileResponse:
    """The write-only workbook keeps its rows in a temporary file, not in
    memory; the finished file is sent from disk in chunks."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    sheet.freeze_panes = "A2"
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.append([_xlsx_text(sheet, spreadsheet_safe(title)) for title in header])
    for row in rows:
        sheet.append([_xlsx_text(sheet, spreadsheet_safe(value)) for value in row])
    output = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once sent
    workbook.save(output)
    output.seek(0)
    return FileResponse(output, as_attachment=True, filename=filename, content_type=XLSX_TYPE)
