"""The ``copro`` command. Thin: parse options, call the audit, hand the result to a renderer."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from copro import __version__
from copro.errors import CoproError

EXIT_BAD_INPUT = 2


class _Group(click.Group):
    """Turns any :class:`CoproError` into a one-line message and exit code 2, no traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except CoproError as exc:
            click.echo(f"copro: error: {exc}", err=True)
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
                     help="Fewest decisions from each group for an area to be compared."),
        click.option("--tau2", type=click.Choice(["REML", "DL", "PM"]), default="REML",
                     show_default=True, help="Headline between-area variance estimator."),
        click.option("--hksj", is_flag=True,
                     help="Hartung-Knapp-Sidik-Jonkman interval for the random-effects mean."),
        click.option("--no-cache", is_flag=True,
                     help="Recompute even if this file and these options were audited before."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _run_audit(data, year, compare, denominator, min_requests, tau2, hksj, no_cache):
    """Audit the data file with these options, or take the result from the cache."""
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
    path = data if data is not None else bundled_dfe_path()
    raw = read_input(path)
    entry = cache.key(sha256_hex(raw), options)
    findings = None if no_cache else cache.load(entry)
    if findings is None or findings.provenance.source != Path(path).name:
        from copro.audit import audit
        from copro.sources.dfe import read_dfe_requests

        findings = audit(read_dfe_requests(path, raw), options)
        cache.store(entry, findings)
    return findings


def _console():
    from rich.console import Console

    console = Console(highlight=False)
    if not console.is_terminal:  # piped: sentences on one line each, tables 110 wide
        console = Console(highlight=False, width=110, soft_wrap=True)
    return console


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
              help="Write the per-area table as CSV (and NAME.about.txt beside it).")
@click.option("--xlsx", "xlsx_path", type=click.Path(path_type=Path), default=None,
              help="Write the per-area table as an Excel workbook.")
def audit_command(as_json, csv_path, xlsx_path, **data_options) -> None:
    """Headline findings for England and every local authority."""
    findings = _run_audit(**data_options)
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
    print_area(findings, find_area(findings, name_or_code), _console())


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
    from copro.lookup import find_area
    from copro.render.report import write_report

    if area is not None and all_las:
        raise CoproError("--la and --all-las cannot be combined: choose one area or all")
    findings = _run_audit(**data_options)
    chosen = find_area(findings, area) if area is not None else None
    written = write_report(findings, out_dir, area=chosen, all_las=all_las)
    first = next((p for p in written if p.name == "index.html"), written[0])
    extra = f" and {len(written) - 1} area pages" if len(written) > 1 else ""
    click.echo(f"copro: wrote {first}{extra}", err=True)


def main() -> None:
    cli(prog_name="copro")


if __name__ == "__main__":
    main()
