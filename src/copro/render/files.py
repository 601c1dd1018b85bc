"""Writing output files whole or not at all, with the data's attribution beside them."""

from __future__ import annotations

import csv
import io
import os
import shutil
import stat
from collections.abc import Callable
from pathlib import Path

from copro import temps
from copro.errors import CoproError, cannot_write
from copro.findings import Findings
from copro.render import area_table
from copro.render.sentences import DFE_SYMBOLS, provenance_line


def _umask() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode a new file gets under the current umask (0644 under the usual 022)."""
    return 0o666 & ~_umask()


def check_output(path: Path, kind: str | None = None, *, folder: bool = False) -> Path:
    """Refuse an output that is not a plain new or regular file in an existing folder, that
    would replace a file read as input, or (``kind``: '.csv', '.xlsx', ...) whose name says
    it is another kind of file."""
    from copro.inputs import is_input, shown

    path = Path(path)
    if str(path) == "-":
        raise CoproError("'-' (standard output) is not supported here; name a file")
    if kind is not None and path.suffix.lower() != kind:
        raise CoproError(f"{path}: expected a file name ending in {kind}, not "
                         f"'{shown(path.suffix or 'no extension', 12)}'; copro will not write "
                         "one kind of file under another's name")
    parent = path.parent
    if not parent.is_dir():
        raise CoproError(f"{path}: folder {parent} does not exist")
    if os.path.lexists(path):
        st = os.lstat(path)
        if folder:
            if not stat.S_ISDIR(st.st_mode):
                raise CoproError(f"{path}: exists and is not a folder")
        elif not stat.S_ISREG(st.st_mode):
            what = "a folder" if stat.S_ISDIR(st.st_mode) else (
                "a symbolic link" if stat.S_ISLNK(st.st_mode) else
                "a device, pipe or socket")
            raise CoproError(f"{path}: is {what}; copro only replaces regular files")
        if is_input(path):
            raise CoproError(f"{path}: is one of this run's input files; copro will not "
                             "overwrite its input")
    return path


def refuse_inputs(path: Path, inputs) -> None:
    """Refuse, before any work, an output that is one of the named input files (or inside a
    named input folder)."""
    path = Path(path)
    for given in inputs:
        given = Path(given)
        try:
            same = os.path.lexists(path) and given.exists() and (
                os.path.samefile(path, given)
                or (given.is_dir() and path.resolve().is_relative_to(given.resolve())))
        except OSError:
            same = False
        if same:
            raise CoproError(f"{path}: is one of this run's input files; copro will not "
                             "overwrite its input")


def write_atomic(path: Path, write: Callable[[Path], None], kind: str | None = None) -> None:
    """Write to a temporary file beside ``path`` and rename it into place: a failure leaves
    nothing half-written. The file's mode follows the umask."""
    write_set([(Path(path), write, kind)])


def write_set(files: list[tuple[Path, Callable[[Path], None], str | None]]) -> None:
    """Write several files as one: every one is checked, then written beside its place in
    full, and only then are all renamed into place (nothing is replaced if any fails)."""
    for path, _, kind in files:
        check_output(path, kind)
    held: list[tuple[temps.Temp, Path]] = []
    by_folder: dict[Path, set[str]] = {}
    for path, _, _ in files:
        by_folder.setdefault(path.parent, set()).add(path.name)
    for folder, names in by_folder.items():
        temps.sweep(folder, names)
    path = files[0][0] if files else Path(".")
    try:
        for path, write, _ in files:
            tmp = temps.make_file(path.parent, path.name)
            held.append((tmp, path))
            write(tmp.path)
            os.chmod(tmp.path, file_mode())
        for tmp, path in held:
            os.replace(tmp.path, path)
    except OSError as exc:
        raise cannot_write(path, exc) from None
    finally:
        for tmp, _ in held:
            tmp.discard()


def write_files(out_dir: Path, files: dict[str, Callable[[Path], None]]) -> list[Path]:
    """A set of files in a folder (``files``: relative path -> writer), written as one with
    :func:`write_set`; the folder and its sub-folders are made if missing, and removed again
    (if still empty) when any file cannot be written. Returns the paths written."""
    out_dir = Path(out_dir)
    paths = {rel: out_dir / rel for rel in files}
    made = make_folders([out_dir, *{p.parent for p in paths.values()}])
    try:
        write_set([(paths[rel], write, None) for rel, write in files.items()])
    except CoproError:
        _undo(made)
        raise
    return list(paths.values())


def make_folders(folders) -> list[Path]:
    """Create the folders (and those above them) that are missing; returns those it made,
    outermost first. A folder that cannot be made stops with one line and undoes the rest."""
    made: list[Path] = []
    for folder in folders:
        for f in _missing_folders(folder):
            try:
                os.mkdir(f)
            except FileExistsError:
                if os.path.isdir(f):
                    continue
                _undo(made)
                raise _in_the_way(f) from None
            except OSError as exc:
                _undo(made)
                raise cannot_write(f, exc, "cannot create the folder") from None
            made.append(f)
    return made


def check_room_for_folder(folder: Path) -> None:
    """Before any work, what :func:`make_folders` would refuse of ``folder`` as things are
    now: a file where it, or a folder above it, should be made (the same line). Whether the
    folders can be written is found when they are made."""
    for f in _missing_folders(folder):
        if os.path.lexists(f):
            raise _in_the_way(f)


def _missing_folders(folder: Path) -> list[Path]:
    """``folder`` and those above it that are not folders now, outermost first."""
    missing = []
    for f in (Path(folder), *Path(folder).parents):
        if os.path.isdir(f):
            break
        missing.append(f)
    return missing[::-1]


def _in_the_way(f: Path) -> CoproError:
    return CoproError(f"{f}: cannot create the folder (a file is in the way); "
                      "choose another place")


def _undo(made: list[Path]) -> None:
    for folder in reversed(made):
        try:
            os.rmdir(folder)
        except OSError:
            pass


def replace_folder(out_dir: Path, pages: dict[str, bytes], owned) -> list[Path]:
    """Write a folder of files as a whole: built in full beside ``out_dir``, then swapped in
    with one rename (the old folder, if any, is removed afterwards). ``pages``: relative path
    -> content. ``owned(relative path)`` says which files a previous run may have written
    there; a folder holding anything else is refused, never replaced."""
    out_dir = Path(out_dir)
    made = make_folders([out_dir.parent])
    try:
        check_output(out_dir, folder=True)
        _refuse_foreign_files(out_dir, owned)
        _build_and_swap(out_dir, pages)
    except CoproError:
        _undo(made)
        raise
    return [out_dir / rel for rel in pages]


def check_folder_output(out_dir: Path, owned) -> None:
    """Before any work, what :func:`replace_folder` would refuse of ``out_dir`` as it is now:
    something there that is not a folder, or a folder holding a file ``owned`` does not
    claim. A folder not there yet passes (it is made, with any missing above it, when
    written), and everything is checked again then."""
    out_dir = Path(out_dir)
    if os.path.lexists(out_dir):
        check_output(out_dir, folder=True)
        _refuse_foreign_files(out_dir, owned)


def _refuse_foreign_files(out_dir: Path, owned) -> None:
    if out_dir.exists():
        for root, dirs, names in os.walk(out_dir):
            for name in names + [d for d in dirs if os.path.islink(Path(root) / d)]:
                rel = (Path(root) / name).relative_to(out_dir)
                if not owned(rel):
                    raise CoproError(f"{out_dir}: holds {rel}, which copro did not write; "
                                     "choose a new or empty folder, or a previous report's")


def _build_and_swap(out_dir: Path, pages: dict[str, bytes]) -> None:
    parent = out_dir.parent
    temps.sweep(parent, out_dir.name)
    mode = file_mode()
    try:
        new = temps.make_folder(parent, out_dir.name)
    except OSError as exc:
        raise cannot_write(out_dir, exc) from None
    garbage = None
    try:
        for rel, content in pages.items():
            target = new.path / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
            os.chmod(target, mode)
        for root, _, _ in os.walk(new.path):
            os.chmod(root, 0o777 & ~_umask())
        if out_dir.exists():
            if _exchange(new.path, out_dir):
                garbage = new.path  # now the old report, under the temporary name
            else:
                old = temps.temp_name(parent, out_dir.name)
                os.rename(out_dir, old)
                try:
                    os.rename(new.path, out_dir)
                except OSError:
                    os.rename(old, out_dir)
                    raise
                garbage = old
        else:
            os.rename(new.path, out_dir)
    except OSError as exc:
        shutil.rmtree(new.path, ignore_errors=True)
        raise cannot_write(out_dir, exc) from None
    finally:
        new.release()
    if garbage is not None:
        shutil.rmtree(garbage, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def _bases(findings: Findings) -> str:
    """Each rate's own base, in words; and DfE's published percentage's where it differs."""
    text = "Each rate's base: " + "; ".join(
        f"{o.name}, of the requests {o.base}" for o in findings.outcomes) + "."
    if any(o.key == "assessment" and o.base == "that were decided" for o in findings.outcomes):
        text += " DfE's published assessment percentage's base is requests received."
    return text


def about_text(findings: Findings) -> str:
    """Provenance, attribution and method notes that travel with every exported table."""
    p = findings.provenance
    lines = [
        f"Coproduction Audit (copro {findings.tool_version}): requests for an EHC needs "
        f"assessment, {findings.group_a.label} vs {findings.group_b.label}, {findings.period}.",
        f"Data: {p.description}; file {p.source}, SHA-256 {p.sha256}.",
        provenance_line(findings).text,
        p.attribution,
        "",
        "Units: rates, shares and proportions are between 0 and 1 (0.474 is 47.4%). "
        + _bases(findings)
        + " Every column is explained in the data dictionary (docs/outputs.md; the website's "
        "/data/dictionary).",
        "DfE's symbols, kept as the reason a figure is missing: "
        + "; ".join(f"{k} = {v}" for k, v in DFE_SYMBOLS.items()) + ".",
        "",
        "Outcomes:",
        *[f"- {o.name}: {o.definition}" for o in findings.outcomes],
        "",
        "Methods: rates with Wilson score 95% intervals; risk ratio with the Katz log interval "
        "(0.5 added to each cell of a table with a zero cell); risk difference with Newcombe's "
        "hybrid score interval; Fisher's exact test (two-sided) with Benjamini-Hochberg q-values "
        "across local authorities; each local authority's ratio against England's: the ratio "
        "of the two with its 95% interval (Altman & Bland 2003), 'more' or 'less' only where "
        "that interval excludes 1.",
        "Empty cells are missing figures; the *_missing and *_not_comparable_reason columns say "
        "why (e.g. a DfE suppression symbol).",
        "",
        *findings.caveats,
    ]
    return "\n".join(lines) + "\n"


def write_csv(findings: Findings, path: Path) -> Path:
    """The per-area table as CSV, and ``<name>.about.txt`` beside it with provenance and
    attribution. Returns the path of the about file."""
    path = Path(path)

    def write(tmp: Path) -> None:
        with tmp.open("w", newline="", encoding="utf-8") as fh:
            out = csv.writer(fh)
            out.writerow(area_table.columns(findings))
            out.writerows(area_table.rows(findings))

    about = path.with_name(path.stem + ".about.txt")
    write_set([(path, write, ".csv"),
               (about, lambda tmp: tmp.write_text(about_text(findings), encoding="utf-8"),
                None)])
    return about


def write_xlsx(findings: Findings, path: Path) -> None:
    """The per-area table as an Excel workbook: sheet 'Areas', and sheet 'About' with
    provenance, attribution and methods."""
    from openpyxl import Workbook

    def write(tmp: Path) -> None:
        wb = Workbook()
        ws = wb.active
        ws.title = "Areas"
        ws.append(area_table.columns(findings))
        for row in area_table.rows(findings):
            ws.append(row)
        ws.freeze_panes = "E2"
        about = wb.create_sheet("About")
        for line in about_text(findings).splitlines():
            about.append([line])
        buf = io.BytesIO()  # whole in memory first: a full disk fails once, in our write
        wb.save(buf)
        tmp.write_bytes(buf.getvalue())

    write_atomic(Path(path), write, ".xlsx")
