"""Copy a model between a folder of CSV files and one .xlsx workbook, cell for cell.

`convert(source, target)` checks the model (and its scenarios) as `workbench.load` does, then
writes every table the source holds, scenarios included, with the same cells: the same text,
numbers stored as numbers, blank cells blank, columns the workbench does not use kept. Tables
the source does not have are not made up, so loading the copy gives a model equal to the
original in every table. Sheets or files that are not tables of a model (a "read me" sheet,
notes) are not copied; the answer lists them.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .errors import ModelError, Problem
from .export import SCENARIOS, save_tables
from .io import ROW, load, read_tables
from .model import SCHEMAS

TABLES = (*SCHEMAS, SCENARIOS)  # every table a model folder or workbook may hold


@dataclass(frozen=True)
class Conversion:
    """What `convert` wrote: the target, the tables copied (in order) and what it left out
    (names of the source's other sheets or files)."""

    target: Path
    tables: tuple[str, ...]
    left_out: tuple[str, ...]


def convert(source: str | os.PathLike, target: str | os.PathLike,
            overwrite: bool = False) -> Conversion:
    """Copy the model at `source` (a folder or an .xlsx workbook) to `target` (a folder, or a
    path ending in .xlsx), cell for cell. The source must load (every problem is raised at
    once, and nothing is written); `target` is replaced only if `overwrite`."""
    from .scenarios import load_scenarios

    source, target = Path(source), Path(target)
    if _same(source, target):
        raise ModelError(Problem(str(target), None, None, "is the source itself: give another "
                                 "folder or workbook to convert to"))
    model = load(source)
    load_scenarios(model)  # bad scenarios are refused before anything is written
    raw = read_tables(source, TABLES)
    tables = {name: frame.drop(columns=ROW) for name, (frame, _) in raw.items()
              if frame is not None}
    if overwrite and target.is_dir():
        stale = [f"{name}.csv" for name in TABLES
                 if name not in tables and (target / f"{name}.csv").exists()]
        if stale:
            raise ModelError(Problem(str(target), None, None, f"holds {', '.join(stale)}, "
                                     "which the source has no table for, so the copy would "
                                     "not be the same model: remove them, or convert to a "
                                     "new folder"))
    written = save_tables(tables, target, overwrite=overwrite)
    return Conversion(written, tuple(tables), tuple(_left_out(source)))


def _same(source: Path, target: Path) -> bool:
    try:
        return target.exists() and os.path.samefile(source, target)
    except OSError:
        return False


def _left_out(source: Path) -> list[str]:
    """The source's sheets (or CSV files) that are not tables of a model."""
    if source.is_dir():
        return sorted(path.name for path in source.iterdir()
                      if path.suffix.lower() == ".csv" and path.stem not in TABLES
                      and not path.name.startswith("."))
    import openpyxl

    book = openpyxl.load_workbook(source, read_only=True)
    try:
        return [title for title in book.sheetnames
                if title.strip().lower().removesuffix(".csv") not in TABLES]
    finally:
        book.close()
