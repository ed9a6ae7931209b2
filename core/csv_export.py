"""CSV downloads of lists, safe to open in a spreadsheet.

A cell that starts with `=`, `+`, `-`, `@` (or a tab or carriage return) would be read as a formula by
Excel, LibreOffice and Google Sheets: such cells are written with a leading `'`, which spreadsheets
show as text (OWASP "CSV Injection"). Rows are streamed, so a long list costs no memory.
"""

import csv
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from django.http import StreamingHttpResponse
from django.utils import timezone

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """One value as spreadsheet-safe text: dates in ISO 8601 (local time), lists joined, formulas defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        value = timezone.localtime(value).isoformat(timespec="minutes") if timezone.is_aware(value) else value
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        value = ", ".join(map(str, value))
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    def write(self, line: str) -> str:
        return line


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> StreamingHttpResponse:
    """A download named `filename` of `header` then `rows`, each value through `csv_cell`."""
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"  # a byte-order mark: Excel then reads the file as UTF-8
        yield writer.writerow([csv_cell(h) for h in header])
        for row in rows:
            yield writer.writerow([csv_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
