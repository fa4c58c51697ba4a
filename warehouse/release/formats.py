"""Writing the released tables: CSV (safe, UTF-8 with BOM), Parquet, and one Excel workbook with a README sheet.
Text cells are escaped the same way in the workbook as in CSV (a cell starting with ``=`` is never a formula)."""

from __future__ import annotations

import re
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import polars as pl
from openpyxl.styles import Font

from warehouse.release.safe_csv import escape_frame, escape_text, write_csv


def write_table(frame: pl.DataFrame, folder: Path, name: str) -> list[Path]:
    """``<name>.csv`` and ``<name>.parquet`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    csv = write_csv(frame, folder / f"{name}.csv")
    parquet = folder / f"{name}.parquet"
    frame.write_parquet(parquet, compression="zstd", statistics=False)
    return [csv, parquet]


def _sheet(wb: openpyxl.Workbook, title: str, frame: pl.DataFrame) -> None:
    ws = wb.create_sheet(title[:31])
    ws.append(frame.columns)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in escape_frame(frame).iter_rows():
        ws.append(list(row))
    ws.freeze_panes = "A2"


def write_workbook(
    path: Path, readme: list[tuple[str, str]], sheets: list[tuple[str, pl.DataFrame]], modified: datetime
) -> Path:
    """A workbook whose first sheet is the README (two columns: item, text), then one sheet per table."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "README"
    for key, text in readme:
        ws.append([escape_text(key), escape_text(text)])
        ws.cell(ws.max_row, 1).font = Font(bold=True)
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 120
    for title, frame in sheets:
        _sheet(wb, title, frame)
    wb.properties.creator = "xhs"
    wb.properties.created = modified.replace(tzinfo=None)
    wb.properties.modified = modified.replace(tzinfo=None)
    wb.save(path)
    _stamp_zip(path, modified)
    return path


def _stamp_zip(path: Path, modified: datetime) -> None:
    """Give every member of the workbook the release's timestamp, so the same tables give the same bytes
    (openpyxl stamps members and its "modified" property with the time of writing)."""
    with zipfile.ZipFile(path) as z:
        members = [(info, z.read(info)) for info in z.infolist()]
    stamp = modified.timetuple()[:6]
    iso = modified.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in members:
            if info.filename == "docProps/core.xml":  # openpyxl sets "modified" to the time of saving
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + iso + rb"\g<2>", data
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            z.writestr(fixed, data)
