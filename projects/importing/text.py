"""Tab-separated text, as copied from Excel or extracted like the seed files.

Excel quotes a cell that holds a tab, a line break or a quote (``"a""b"``); such cells are read
back whole. Markdown headings (``# 项目绩效目标表``) and ruler lines (``--\\t----``) are read as a
title and as a blank line.
"""

from __future__ import annotations

import re

from projects.importing.errors import SourceError
from projects.layouts.normalize import clean_text
from projects.layouts.sheet import Sheet, make_sheet

PASTED_NAME = "粘贴的文本"
_RULER = re.compile(r"^[\s|:\-=—]*$")
_HEADING = re.compile(r"^\s*#{1,6}\s+")


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode text"), else GB18030."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SourceError("无法识别文本的编码，请另存为 UTF-8 文本后再导入。")


def split_records(text: str) -> list[tuple[int, list[str]]]:
    """(line number, raw cells) for every record; a quoted cell may span lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    records: list[tuple[int, list[str]]] = []
    cells: list[str] = []
    i, line, start_line = 0, 1, 1
    n = len(text)
    cell_start = True
    buffer: list[str] = []
    while i < n:
        ch = text[i]
        if cell_start and ch == '"':
            end = _closing_quote(text, i + 1)
            if end is not None:
                value = text[i + 1 : end].replace('""', '"')
                line += value.count("\n")
                buffer.append(value)
                i = end + 1
                cell_start = False
                continue
        cell_start = False
        if ch == "\t":
            cells.append("".join(buffer))
            buffer = []
            cell_start = True
        elif ch == "\n":
            cells.append("".join(buffer))
            records.append((start_line, cells))
            cells, buffer = [], []
            cell_start = True
            line += 1
            start_line = line
        else:
            buffer.append(ch)
        i += 1
    if buffer or cells:
        cells.append("".join(buffer))
        records.append((start_line, cells))
    return records


def _closing_quote(text: str, i: int) -> int | None:
    """Index of the quote closing a quoted cell opened before ``i``, or None when the cell
    is not really quoted (the closing quote must be followed by a tab, a line end or the end)."""
    n = len(text)
    while i < n:
        j = text.find('"', i)
        if j < 0:
            return None
        if j + 1 < n and text[j + 1] == '"':
            i = j + 2
            continue
        if j + 1 >= n or text[j + 1] in "\t\n":
            return j
        return None
    return None


def read_text(text: str, *, file: str = PASTED_NAME) -> Sheet:
    rows: list[list[str]] = []
    numbers: list[int] = []
    for line_number, cells in split_records(text):
        if len(cells) == 1 and _HEADING.match(cells[0]):
            cells = [_HEADING.sub("", cells[0])]
        elif all(_RULER.match(cell) for cell in cells) and any("-" in c for c in cells):
            cells = []
        rows.append([clean_text(cell) for cell in cells])
        numbers.append(line_number)
    return make_sheet(file, "", rows, numbers)
