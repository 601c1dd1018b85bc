"""`copro survey ...`: the instrument written out for print and for other survey tools.

(The commands that read or write the website's database, `survey import`, `survey purge` and
`users create`, are added to this group by :mod:`copro.web.survey.commands`.)
"""

from __future__ import annotations

from pathlib import Path

import click

from copro.survey.instrument import AUDIENCES, CURRENT_VERSION


@click.group("survey")
def survey_group() -> None:
    """The co-production survey: export the instrument, import answers from other tools,
    purge old free text."""


@survey_group.command("export")
@click.option("--out", "out_dir", type=click.Path(path_type=Path),
              default=Path("out/survey"), show_default=True,
              help="Folder to write the forms and question lists into (created if missing).")
@click.option("--audience", "audiences", type=click.Choice(AUDIENCES), multiple=True,
              help="Only this audience (repeatable; default: all three).")
@click.option("--version", "version", default=CURRENT_VERSION, show_default=True,
              help="Instrument version.")
@click.option("--easy-read", is_flag=True, help="Easy-read wording instead of the standard.")
def export_command(out_dir: Path, audiences, version, easy_read) -> None:
    """Write the survey as a printable form (HTML and Markdown) and as a question list (CSV and
    Markdown) for building it in Microsoft Forms, Google Forms, SmartSurvey or JISC."""
    from copro.render.files import write_files
    from copro.survey import printable
    from copro.survey.instrument import load_instrument

    instrument = load_instrument(version)
    suffix = "-easy-read" if easy_read else ""
    files = {}
    for audience in audiences or AUDIENCES:
        for name, text in (
                (f"{audience}-form{suffix}.html",
                 printable.form_html(instrument, audience, easy_read)),
                (f"{audience}-form{suffix}.md",
                 printable.form_markdown(instrument, audience, easy_read)),
                (f"{audience}-questions{suffix}.csv",
                 printable.question_list_csv(instrument, audience, easy_read)),
                (f"{audience}-questions{suffix}.md",
                 printable.question_list_markdown(instrument, audience, easy_read))):
            files[name] = lambda tmp, text=text: tmp.write_text(text, encoding="utf-8")
    written = write_files(out_dir, files)
    click.echo(f"copro: wrote {len(written)} files to {out_dir} (survey version "
               f"{instrument.version})", err=True)
