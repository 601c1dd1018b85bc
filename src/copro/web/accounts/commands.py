"""``copro users invite``, ``copro users deactivate``, ``copro users handover``, ``copro users
enrol`` and ``copro users reset-two-factor``: accounts by invitation, and their authenticator
apps by emailed link, from the command line on the server (added to the ``users`` group)."""

from __future__ import annotations

import click

from copro.errors import CoproError
from copro.web.survey.commands import account_area, account_options, setup_database


def _invitation_errors():
    from copro.web.accounts.invitations import InvitationError

    return InvitationError


@click.command("invite")
@click.argument("email")
@account_options
def invite_command(email, la, forum, is_admin) -> None:
    """Email EMAIL a single-use link (valid 7 days) to set their password: a coordinator for one
    LA, or an administrator. Needs COPRO_EMAIL_URL and COPRO_SITE_URL."""
    code = account_area(la, is_admin)
    setup_database()
    from django.conf import settings

    from copro.web.accounts import audit, invitations

    try:
        invitations.invite(email, area_code=code, forum=forum, admin=is_admin,
                           invited_by=audit.COMMAND_LINE, base_url=settings.SITE_URL)
    except _invitation_errors() as exc:
        raise CoproError(str(exc)) from None
    except OSError as exc:
        raise CoproError(f"the invitation could not be emailed: {exc}") from None
    what = "an administrator" if is_admin else f"coordinator for {code}"
    click.echo(f"copro: invited {email.strip().lower()} as {what}", err=True)


@click.command("deactivate")
@click.argument("username")
def deactivate_command(username) -> None:
    """Stop USERNAME signing in (kept, with its rounds and the audit log)."""
    setup_database()
    from copro.web.accounts import audit, invitations

    try:
        invitations.deactivate(username, actor=audit.COMMAND_LINE)
    except _invitation_errors() as exc:
        raise CoproError(str(exc)) from None
    click.echo(f"copro: deactivated {username}", err=True)


@click.command("handover")
@click.argument("old")
@click.argument("new_email")
def handover_command(old, new_email) -> None:
    """A forum's coordinator changes: deactivate OLD and invite NEW_EMAIL for the same LA and
    forum (the rounds and answers stay with the LA)."""
    setup_database()
    from django.conf import settings

    from copro.web.accounts import audit, invitations

    try:
        invitations.hand_over(old, new_email, actor=audit.COMMAND_LINE,
                              base_url=settings.SITE_URL)
    except _invitation_errors() as exc:
        raise CoproError(str(exc)) from None
    except OSError as exc:
        raise CoproError(f"the invitation could not be emailed: {exc}") from None
    click.echo(f"copro: {old} deactivated; {new_email.strip().lower()} invited", err=True)


def _set_up_link(username, show, reset) -> None:
    setup_database()
    from django.conf import settings

    from copro.web.accounts import audit, invitations

    try:
        link = invitations.enrolment_link(username, actor=audit.COMMAND_LINE,
                                          base_url=settings.SITE_URL, reset=reset,
                                          send=not show)
    except _invitation_errors() as exc:
        raise CoproError(str(exc)) from None
    except OSError as exc:
        raise CoproError(f"the link could not be emailed: {exc}") from None
    if show:
        click.echo(link)
    what = "reset; a set-up link" if reset else "a set-up link"
    click.echo(f"copro: {username}'s authenticator app {what} "
               f"{'shown above' if show else 'emailed'} (works once, for "
               f"{settings.INVITATION_DAYS} days)", err=True)


_show = click.option("--show", is_flag=True,
                     help="Print the link instead of emailing it (give it to its owner "
                          "yourself, e.g. for your own account before email is set up).")


@click.command("enrol")
@click.argument("username")
@_show
def enrol_command(username, show) -> None:
    """Email USERNAME a single-use link to set up their authenticator app: the only way for an
    account made with `copro users create` (its password alone never sets one up). Needs
    COPRO_SITE_URL (and COPRO_EMAIL_URL unless --show)."""
    _set_up_link(username, show, reset=False)


@click.command("reset-two-factor")
@click.argument("username")
@_show
def reset_two_factor_command(username, show) -> None:
    """USERNAME lost their phone: remove their authenticator app and recovery codes and email
    them a single-use link to set up a new one (recorded in the audit log)."""
    _set_up_link(username, show, reset=True)


COMMANDS = (invite_command, deactivate_command, handover_command, enrol_command,
            reset_two_factor_command)
