"""``copro foi ...``: the Freedom of Information campaign commands."""

from __future__ import annotations

from pathlib import Path

import click

from copro.cli_support import DATE, EXIT_BAD_INPUT
from copro.cli_support import console as _console
from copro.cli_support import day as _day
from copro.errors import CoproError


@click.group("foi")
def foi_group() -> None:
    """A Freedom of Information campaign: letters, templates, deadlines, returns."""


@foi_group.command("letters")
@click.option("--year", type=click.IntRange(2014, 2100), required=True,
              help="Calendar year of the requests asked about.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("out/foi"),
              show_default=True, help="Folder to write letters/ and templates/ into.")
@click.option("--name", required=True, help="Your name (FOIA s.8: a request must give it).")
@click.option("--email", required=True, help="Where the answers should be sent.")
@click.option("--organisation", default=None, help="Organisation you write for, if any.")
@click.option("--address", default=None, help="Postal address for the reply, if wanted.")
@click.option("--la", "only", multiple=True, metavar="NAME_OR_CODE",
              help="Only these local authorities (repeatable; default: all).")
@click.option("--docx/--no-docx", default=True, show_default=True,
              help="Also write each letter as a Word document.")
def foi_letters(year, out_dir, name, email, organisation, address, only, docx) -> None:
    """One FOI request per local authority (Markdown, text, Word) with its response template
    (XLSX and CSV), pre-filled with the authority's name and codes."""
    from copro.foi import templates
    from copro.foi.letters import Requester, letter
    from copro.register import find_local_authority, local_authorities, slug
    from copro.render.files import write_files

    requester = Requester(name, email, organisation, address)
    areas = [find_local_authority(q) for q in only] if only else list(local_authorities())
    files: dict[Path, bytes] = {}
    for area in areas:
        stem = slug(area)
        text = letter(area, year, requester, f"{stem}.xlsx")
        files[out_dir / "letters" / f"{stem}.md"] = text.markdown().encode()
        files[out_dir / "letters" / f"{stem}.txt"] = text.text().encode()
        if docx:
            files[out_dir / "letters" / f"{stem}.docx"] = text.docx()
        files[out_dir / "templates" / f"{stem}.xlsx"] = templates.xlsx(area, year)
        files[out_dir / "templates" / f"{stem}.csv"] = templates.csv_text(area, year).encode()
    write_files(out_dir, {str(path.relative_to(out_dir)):
                          (lambda tmp, content=content: tmp.write_bytes(content))
                          for path, content in files.items()})
    click.echo(f"copro: wrote {len(areas)} letters and templates to {out_dir}", err=True)


@foi_group.group("track")
@click.option("--db", type=click.Path(path_type=Path), required=True,
              help="The campaign's SQLite file (created if missing).")
@click.pass_context
def foi_track(ctx, db) -> None:
    """Record requests sent and their answers in the campaign database."""
    ctx.obj = db


def _tracker(ctx):
    from copro.foi.tracker import Tracker

    return Tracker(ctx.obj)


@foi_track.command("sent")
@click.argument("las", nargs=-1, metavar="[NAME_OR_CODE]...")
@click.option("--all", "everyone", is_flag=True, help="Every local authority in the register.")
@click.option("--year", type=click.IntRange(2014, 2100), required=True,
              help="Calendar year of the requests asked about.")
@click.option("--date", "day", type=DATE, default=None,
              help="Date sent (received by the LA), YYYY-MM-DD; default today.")
@click.pass_context
def track_sent(ctx, las, everyone, year, day) -> None:
    """Requests sent: each is due 20 working days later."""
    from copro.register import find_local_authority, local_authorities

    if bool(las) == everyone:
        raise CoproError("name the local authorities, or give --all (not both)")
    areas = list(local_authorities()) if everyone else [find_local_authority(q) for q in las]
    with _tracker(ctx) as t:
        for area in areas:
            r = t.sent(area, str(year), _day(day))
    click.echo(f"copro: {len(areas)} request(s) sent {r.sent.isoformat()}, "
               f"due {r.due.isoformat()}")


def _status_command(status: str, help_text: str):
    @click.argument("la", metavar="NAME_OR_CODE")
    @click.option("--date", "day", type=DATE, default=None, help="YYYY-MM-DD; default today.")
    @click.option("--note", default=None, help="A note to keep with it.")
    @click.pass_context
    def command(ctx, la, day, note, section=None) -> None:
        from copro.register import find_local_authority

        with _tracker(ctx) as t:
            r = t.update(find_local_authority(la), status, _day(day), section, note)
        click.echo(f"copro: {r.la_name}: {r.status.replace('_', ' ')}"
                   + (f" (s.{r.section})" if r.section else "")
                   + (f", due {r.due.isoformat()}" if r.status == "internal_review" else ""))

    command.__doc__ = help_text
    return command


foi_track.command("answered")(_status_command("answered", "The LA answered in full."))
foi_track.command("partial")(_status_command("partial", "The LA answered in part."))
foi_track.command("review")(_status_command(
    "internal_review", "An internal review was asked for (due 20 working days later)."))
foi_track.command("refused")(click.option(
    "--section", required=True, help="Section of the Act cited, e.g. 12 (cost) or 21.")(
    _status_command("refused", "The LA refused, citing a section of the Act.")))


@foi_track.command("note")
@click.argument("la", metavar="NAME_OR_CODE")
@click.argument("text")
@click.option("--date", "day", type=DATE, default=None, help="YYYY-MM-DD; default today.")
@click.pass_context
def track_note(ctx, la, text, day) -> None:
    """Keep a note with a request."""
    from copro.register import find_local_authority

    area = find_local_authority(la)
    with _tracker(ctx) as t:
        t.get(area.code)
        t.note(area, text, _day(day))
    click.echo(f"copro: {area.name}: note kept")


@foi_group.command("status")
@click.option("--db", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              required=True, help="The campaign's SQLite file.")
@click.option("--today", type=DATE, default=None, help="Date to judge overdue by; default today.")
def foi_status(db, today) -> None:
    """What is overdue, and the totals by status."""
    from collections import Counter

    from rich.table import Table

    from copro.foi.deadlines import working_days_between
    from copro.foi.tracker import Tracker

    day = _day(today)
    with Tracker(db, read_only=True) as t:
        requests = t.all()
        returns = t.returns()
    console = _console()
    overdue = [r for r in requests if r.overdue(day)]
    totals = Counter(r.shown_status(day) for r in requests)
    console.print(f"[bold]FOI campaign: {len(requests)} requests, as of {day.isoformat()}[/bold]")
    console.print("Totals: " + ", ".join(f"{k.replace('_', ' ')} {v}"
                                          for k, v in sorted(totals.items())))
    t = Table(title=f"Overdue: {len(overdue)}", title_justify="left")
    for h in ("Local authority", "Sent", "Due", "Working days late", "Status"):
        t.add_column(h)
    for r in sorted(overdue, key=lambda r: r.due):
        t.add_row(r.la_name, r.sent.isoformat(), r.due.isoformat(),
                  str(working_days_between(r.due, day)), r.status.replace("_", " "))
    console.print(t)
    refused = [r for r in requests if r.status == "refused"]
    if refused:
        console.print("Refused: " + "; ".join(f"{r.la_name} (s.{r.section})" for r in refused))
    names = {r.la_code: r.la_name for r in requests}
    last: dict = {}
    for code, file, _, accepted, _ in returns:  # in the order ingested: the latest counts
        last[code or file] = (code, file, accepted)
    bad = [(code, file) for code, file, accepted in last.values() if not accepted]
    if bad:
        console.print(f"Returns rejected: {len(bad)} (ask for a corrected return): "
                      + "; ".join(f"{names.get(code, code or 'unknown authority')} ({file})"
                                  for code, file in bad))


@foi_group.command("ingest")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--db", type=click.Path(path_type=Path), required=True,
              help="The campaign's SQLite file: each return is recorded in it.")
@click.option("--date", "day", type=DATE, default=None, help="YYYY-MM-DD; default today.")
def foi_ingest(folder, db, day) -> None:
    """Read completed returns (XLSX/CSV), check them, and record each in the tracker. Exit 2 if
    any was rejected (each rejection is printed with its file and cell)."""
    from copro.foi.tracker import Tracker
    from copro.sources.foi import read_returns

    accepted, rejected, _ = read_returns(folder)
    with Tracker(db) as t:
        for r in accepted:
            t.record_return(r.area, r.path.name, r.sha256, _day(day), True, None)
        for r in rejected:
            t.record_return(r.area, r.path.name, r.sha256, _day(day), False, r.message)
    for r in rejected:
        click.echo(f"copro: rejected: {r.message}", err=True)
    click.echo(f"copro: {len(accepted)} return(s) accepted, {len(rejected)} rejected")
    if rejected:
        raise SystemExit(EXIT_BAD_INPUT)
