"""The ``copro`` command. Thin: parse options, call the audit, hand the result to a renderer."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from copro import __version__
from copro.cli_streams import Output, closed_pipe, os_error_line, silence
from copro.cli_support import DATE, EXIT_BAD_INPUT
from copro.cli_support import console as _console
from copro.cli_support import day as _day
from copro.errors import CoproError
from copro.foi.commands import foi_group
from copro.inputs import one_line
from copro.survey.commands import survey_group
from copro.web.accounts.commands import COMMANDS as ACCOUNT_COMMANDS
from copro.web.commands import db_group, serve_command
from copro.web.survey.commands import users_group


def _fail(message: str, code: int = EXIT_BAD_INPUT):
    try:
        click.echo(f"copro: error: {one_line(message)}", err=True)
    except OSError:  # standard error is gone too: the exit code says it
        silence()
    sys.exit(code)


class _Group(click.Group):
    """Turns any :class:`CoproError`, and any usage error, into a one-line message and exit
    code 2, never a traceback."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True,
             **extra):
        import warnings

        from copro.inputs import forget_inputs

        forget_inputs()
        # a library's warning is one line too (once), without the source line it came from
        shown_warnings: set[str] = set()

        def show_warning(message, category, *_args, **_kwargs) -> None:
            text = one_line(f"{category.__name__}: {message}", 300)
            if text not in shown_warnings:
                shown_warnings.add(text)
                click.echo(f"copro: warning: {text}", err=True)

        warnings.showwarning = show_warning
        if not isinstance(sys.stdout, Output):
            sys.stdout = Output(sys.stdout)
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            result = super().main(args, prog_name, complete_var, False, **extra)
            sys.stdout.flush()  # here, where a closed pipe is caught, not at interpreter exit
        except BrokenPipeError:
            closed_pipe()
        except CoproError as exc:
            _fail(str(exc))
        except click.UsageError as exc:
            hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
            _fail(f"{exc.format_message()}{hint}")
        except click.ClickException as exc:
            _fail(exc.format_message(), exc.exit_code)
        except click.exceptions.Abort:
            _fail("interrupted", 130)
        except KeyboardInterrupt:
            _fail("interrupted", 130)
        except MemoryError:
            _fail("out of memory", 1)
        except OSError as exc:
            _fail(os_error_line(exc))
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        sys.exit(result if isinstance(result, int) else 0)

    # Click turns a closed pipe into exit code 1 before main() sees it: caught here first,
    # around everything that prints (the options' --help and --version, and every command).
    def make_context(self, *args, **kwargs):
        try:
            return super().make_context(*args, **kwargs)
        except BrokenPipeError:
            closed_pipe()

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            closed_pipe()
        except CoproError as exc:
            click.echo(f"copro: error: {one_line(str(exc))}", err=True)
            ctx.exit(EXIT_BAD_INPUT)


def _data_options(f):
    """Options shared by every command that audits data."""
    options = [
        click.option("--data", "data", type=click.Path(path_type=Path), default=None,
                     help="DfE EHC plans 'requests' CSV (default: the bundled 2025 file)."),
        click.option("--year", default=None,
                     help="Time period to audit, e.g. 2025 (default: the latest in the data)."),
        click.option("--compare", nargs=2, default=("education", "family"), show_default=True,
                     metavar="GROUP GROUP",
                     help="Two requester groups: family, education, health, social_care, "
                          "other, unknown. The ratio is the first's rate over the second's."),
        click.option("--denominator", type=click.Choice(["decided", "received"]),
                     default="decided", show_default=True,
                     help="Base of the assessment rate: decisions made, or all requests "
                          "received (DfE's published percentage)."),
        click.option("--min-requests", type=click.IntRange(min=1), default=10,
                     show_default=True,
                     help="Fewest requests from each group for an area to be compared, counted on "
                          "each rate's own base (decided, received...)."),
        click.option("--tau2", type=click.Choice(["REML", "DL", "PM"], case_sensitive=False),
                     default="REML",
                     show_default=True, help="Headline between-area variance estimator."),
        click.option("--hksj", is_flag=True,
                     help="Hartung-Knapp-Sidik-Jonkman interval for the random-effects mean."),
        click.option("--no-cache", is_flag=True,
                     help="Recompute even if this file and these options were audited before."),
        click.option("--foi", "foi", type=click.Path(path_type=Path), default=None,
                     help="Audit a folder of completed FOI returns instead of DfE data."),
        click.option("--sen2", "sen2", type=click.Path(path_type=Path), default=None,
                     help="Audit an SEN2 person-level return (XML), or a folder of them."),
        click.option("--cases", "cases", type=click.Path(path_type=Path), default=None,
                     help="Audit a flat case file (CSV or XLSX; columns in the README)."),
        click.option("--reference-date", type=DATE, default=None,
                     help="With --cases: the date the file was extracted (requests undecided "
                          "then are open); default today."),
        click.option("--suppress-below", type=click.IntRange(min=1), default=5,
                     show_default=True,
                     help="With --sen2 or --cases: withhold counts from 1 to this minus 1 in "
                          "every output."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _run_audit(data, year, compare, denominator, min_requests, tau2, hksj, no_cache,
               foi=None, sen2=None, suppress_below=5, cases=None, reference_date=None):
    """Audit the data file (or folder of FOI returns) with these options, or take the result
    from the cache."""
    from copro import cache
    from copro.findings import AuditOptions
    from copro.groups import parse_group
    from copro.provenance import read_input, sha256_hex
    from copro.sources.dfe import bundled_dfe_path

    try:
        group_a, group_b = (parse_group(g) for g in compare)
    except ValueError as exc:
        raise CoproError(f"--compare: {exc}") from None
    methods = (tau2, *[m for m in ("REML", "DL") if m != tau2])
    options = AuditOptions(group_a=group_a, group_b=group_b, period=year,
                           denominator=denominator, min_trials=min_requests,
                           tau2_methods=methods, hksj=hksj)
    if sum(x is not None for x in (data, foi, sen2, cases)) > 1:
        raise CoproError("--data, --foi, --sen2 and --cases cannot be combined: audit one "
                         "source at a time")
    if foi is not None:
        return _run_foi_audit(foi, options)
    if sen2 is not None or cases is not None:
        return _run_case_level_audit(sen2, cases, _day(reference_date), options,
                                     suppress_below)
    path = data if data is not None else bundled_dfe_path()
    raw = read_input(path)
    entry = cache.key(sha256_hex(raw), options)
    findings = None if no_cache else cache.load(entry)
    if findings is None or findings.provenance.source != Path(path).name:
        from copro.sources.dfe import read_dfe_requests

        counts = read_dfe_requests(path, raw)  # a bad file is refused before SciPy loads
        from copro.audit import audit

        findings = audit(counts, options)
        cache.store(entry, findings)
    return findings


def _run_foi_audit(folder: Path, options):
    from copro.sources.foi import read_foi_returns

    counts, rejected = read_foi_returns(folder, options.period)
    for r in rejected:
        click.echo(f"copro: warning: return rejected, not audited: {r.message}", err=True)
    from copro.audit import audit

    return audit(counts, options)


def _run_case_level_audit(sen2: Path | None, cases: Path | None, reference: date, options,
                          threshold: int):
    """SEN2 XML or a case file: pseudonymised on reading, small counts withheld."""
    import os

    from copro.disclosure import suppress_small_counts

    key = os.environ.get("COPRO_PSEUDONYM_KEY")
    key = key.encode() if key else None
    if sen2 is not None:
        from copro.sources.sen2 import read_sen2

        counts, summary = read_sen2(sen2, key)
    else:
        from copro.sources.cases import read_cases

        counts, summary = read_cases(cases, reference, key)
    from copro.disclosure import total_shown
    from copro.groups import RequesterGroup

    counts = suppress_small_counts(counts, threshold)
    unknown = total_shown(counts, RequesterGroup.UNKNOWN.value)
    for message in summary.messages(threshold, total_shown(counts), unknown):
        click.echo(message, err=True)
    from copro.audit import audit

    return audit(counts, options)


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="copro")
def cli() -> None:
    """Coproduction Audit: does the outcome of a request for an EHC needs assessment depend on
    who made it? Figures for England and every local authority, with their uncertainty."""


@cli.command("audit")
@_data_options
@click.option("--json", "as_json", is_flag=True,
              help="Write the full result as JSON to standard output (docs/outputs.md).")
@click.option("--csv", "csv_path", type=click.Path(path_type=Path), default=None,
              help="Write the per-area table as CSV, with a text file about it beside it "
                   "(areas.csv: areas.about.txt).")
@click.option("--xlsx", "xlsx_path", type=click.Path(path_type=Path), default=None,
              help="Write the per-area table as an Excel workbook.")
def audit_command(as_json, csv_path, xlsx_path, **data_options) -> None:
    """Headline findings for England and every local authority."""
    from copro.render.files import check_output, refuse_inputs

    inputs = [data_options[k] for k in ("data", "sen2", "cases", "foi")
              if data_options.get(k) is not None]
    for path, kind in ((csv_path, ".csv"), (xlsx_path, ".xlsx")):
        if path is not None:  # refused before any work, and again just before writing
            check_output(path, kind)
            refuse_inputs(path, inputs)
            if kind == ".csv":
                check_output(path.with_name(path.stem + ".about.txt"))
                refuse_inputs(path.with_name(path.stem + ".about.txt"), inputs)
    findings = _run_audit(**data_options)
    for path, kind in ((csv_path, ".csv"), (xlsx_path, ".xlsx")):
        if path is not None:
            check_output(path, kind)
    if csv_path is not None:
        from copro.render.files import write_csv

        about = write_csv(findings, csv_path)
        click.echo(f"copro: wrote {csv_path} and {about}", err=True)
    if xlsx_path is not None:
        from copro.render.files import write_xlsx

        write_xlsx(findings, xlsx_path)
        click.echo(f"copro: wrote {xlsx_path}", err=True)
    if as_json:
        from copro.render.json_out import to_json

        sys.stdout.write(to_json(findings) + "\n")
    elif csv_path is None and xlsx_path is None:
        from copro.render.terminal import print_audit

        print_audit(findings, _console())


@cli.command("la")
@click.argument("name_or_code")
@_data_options
def la_command(name_or_code, **data_options) -> None:
    """One area's scorecard: NAME_OR_CODE is a name ('Leeds'), an ONS code or a DfE code."""
    from copro.lookup import find_area
    from copro.render.terminal import print_area

    findings = _run_audit(**data_options)
    from copro.sources.neighbours import bundled_neighbours

    print_area(findings, find_area(findings, name_or_code), _console(), bundled_neighbours())


@cli.command("report")
@_data_options
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("out/report"),
              show_default=True, help="Folder to write the report into.")
@click.option("--la", "area", default=None, metavar="NAME_OR_CODE",
              help="Write only this area's one-page scorecard.")
@click.option("--all-las", is_flag=True,
              help="Also write one page per local authority, linked from the index.")
def report_command(out_dir, area, all_las, **data_options) -> None:
    """A self-contained HTML report (index.html) to share, print or publish."""
    if area is not None and all_las:
        raise CoproError("--la and --all-las cannot be combined: choose one area or all")
    # a place it cannot write to is refused before any work (a report takes seconds), and
    # checked again when written
    from copro.render.files import check_folder_output, check_room_for_folder
    from copro.render.report_folder import report_file

    if area is None:  # the report's folder, replaced whole
        check_room_for_folder(Path(out_dir).parent)
        check_folder_output(out_dir, report_file)
    else:  # one page, into a folder made if need be
        check_room_for_folder(out_dir)
    findings = _run_audit(**data_options)
    from copro.lookup import find_area
    from copro.render.report import write_report
    from copro.sources.neighbours import bundled_neighbours

    chosen = find_area(findings, area) if area is not None else None
    written = write_report(findings, out_dir, area=chosen, all_las=all_las,
                           neighbours=bundled_neighbours())
    first = next((p for p in written if p.name == "index.html"), written[0])
    extra = f" and {len(written) - 1} area pages" if len(written) > 1 else ""
    click.echo(f"copro: wrote {first}{extra}", err=True)


@cli.command("synth")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("out/synth"),
              show_default=True, help="Folder for the synthetic returns (one file per LA).")
@click.option("--la", "las", multiple=True, metavar="NAME_OR_CODE",
              help="Local authorities (repeatable; default: Leeds, Essex, Camden).")
@click.option("--persons", type=click.IntRange(min=1), default=2000, show_default=True,
              help="Persons per local authority.")
@click.option("--year", type=click.IntRange(2022, 2026), default=2026, show_default=True,
              help="Collection year, 2022 to 2026 (requests received the calendar year "
                   "before), written in that year's layout and codes.")
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed.")
@click.option("--assess-or", type=float, default=2.0, show_default=True,
              help="Odds ratio, schools vs families, of a decision to assess.")
@click.option("--plan-or", type=float, default=1.3, show_default=True,
              help="Odds ratio of a plan after an assessment.")
@click.option("--six-weeks-or", type=float, default=1.2, show_default=True,
              help="Odds ratio of a decision within 6 weeks.")
@click.option("--twenty-weeks-or", type=float, default=1.3, show_default=True,
              help="Odds ratio of a plan within 20 weeks.")
@click.option("--area-sd", type=float, default=0.0, show_default=True,
              help="Spread of the log odds ratio of assessment between areas.")
@click.option("--legacy", is_flag=True,
              help="Leave out RequestSource (voluntary in 2025; absent before 2025 anyway).")
def synth_command(out_dir, las, persons, year, seed, assess_or, plan_or, six_weeks_or,
                  twenty_weeks_or, area_sd, legacy) -> None:
    """Synthetic SEN2 returns with a chosen effect of who asks (all data invented)."""
    from copro.register import find_local_authority
    from copro.synth import Effects, SynthSpec, write_synthetic

    areas = tuple(find_local_authority(q) for q in (las or ("Leeds", "Essex", "Camden")))
    for name, value in (("--assess-or", assess_or), ("--plan-or", plan_or),
                        ("--six-weeks-or", six_weeks_or), ("--twenty-weeks-or", twenty_weeks_or)):
        if value <= 0:
            raise CoproError(f"{name}: an odds ratio must be above 0, got {value}")
    spec = SynthSpec(areas, persons, year, seed, Effects(assess_or, plan_or, six_weeks_or,
                                                         twenty_weeks_or, area_sd), legacy)
    err = _console(stderr=True)
    with err.status("copro: writing synthetic SEN2 returns") as status:
        def progress(area, i, count):
            status.update(f"copro: writing {area.name} ({i + 1} of {count}, "
                          f"{persons:,} persons)")
            if not err.is_terminal:  # piped or logged: one line per file, no animation
                err.print(f"copro: writing {area.name} ({i + 1} of {count}, {persons:,} "
                          "persons)")

        paths = write_synthetic(out_dir, spec, progress)
    click.echo(f"copro: wrote {len(paths)} synthetic SEN2 file(s) to {out_dir}", err=True)


@cli.command("las")
@click.option("--csv", "csv_path", type=click.Path(path_type=Path), default=None,
              help="Write the register as CSV instead of printing it.")
def las_command(csv_path) -> None:
    """The register of local authorities: ONS and DfE codes, names and regions (the older
    ONS codes DfE's files still use, and the short names search knows, alongside)."""
    import csv as csv_module

    from copro.register import by_code, local_authorities

    rows = [(a.code, a.old_la_code or "", a.name, a.region_name or "",
             "; ".join(by_code(a.code).other_codes), "; ".join(by_code(a.code).other_names))
            for a in local_authorities()]
    header = ("ons_code", "dfe_code", "name", "region", "older_ons_codes", "also_called")
    if csv_path is not None:
        from copro.render.files import write_atomic

        def write(tmp: Path) -> None:
            with tmp.open("w", newline="", encoding="utf-8") as fh:
                out = csv_module.writer(fh)
                out.writerow(header)
                out.writerows(rows)

        write_atomic(csv_path, write, ".csv")
        click.echo(f"copro: wrote {csv_path} ({len(rows)} local authorities)", err=True)
        return
    from rich.table import Table

    t = Table(title=f"{len(rows)} local authorities", title_justify="left")
    for h in ("ONS code", "DfE code", "Local authority", "Region", "Older ONS code",
              "Also called"):
        t.add_column(h)
    for row in rows:
        t.add_row(*row)
    _console().print(t)


@cli.command("appeals")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
def appeals_command(files) -> None:
    """Read DfE's SEND Tribunal appeal-rate tables (FILES, oldest first; default: the bundled
    2014-2024 and 2024-2025 files) and say what they hold: each year's method and England
    total, and what was done about the files' quirks. A file it cannot read exactly is refused
    with one line (exit 2)."""
    from copro.sources.tribunal import bundled_appeal_rates, read_appeal_rates

    rates = read_appeal_rates(files) if files else bundled_appeal_rates()
    for src in rates.sources:
        click.echo(f"{src.name}: {src.rows_read} local authorities' rows, years "
                   f"{src.years[0]}-{src.years[-1]}, SHA-256 {src.sha256[:12]}…")
    for (year, method), e in sorted(rates.england.items(), key=lambda kv: (kv[0][0],
                                                                           kv[0][1] != "old")):
        shown = "–" if e.appeals is None or not e.decisions else \
            f"{e.appeals:,} of {e.decisions:,} ({e.appeals / e.decisions:.1%})"
        click.echo(f"England {year}, {method} method: {shown}; the local authorities add up "
                   "to it")
    for note in rates.notes:
        click.echo(f"note: {note}")
    click.echo(rates.attribution)


cli.add_command(foi_group)
cli.add_command(serve_command)
cli.add_command(db_group)
cli.add_command(survey_group)
cli.add_command(users_group)
for _command in ACCOUNT_COMMANDS:
    users_group.add_command(_command)


def main() -> None:
    cli(prog_name="copro")


if __name__ == "__main__":
    main()
