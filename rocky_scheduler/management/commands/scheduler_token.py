"""Issue (or replace, or revoke) an API token of an existing user; the key is printed once, never stored.

stdout carries the key alone, so a script can capture it (`KEY=$(manage.py scheduler_token runner@example.com)`);
what it is and what to do with it go to stderr.
"""

from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rocky_scheduler.management.base import TranslatedCommand
from rocky_scheduler.services.tokens import DEFAULT_NAME, TokenError, token_issue, token_replace, token_revoke
from rocky_scheduler.services.users import UserError, user_find


class Command(TranslatedCommand):
    help = _(
        "Print a new API key for a user (Authorization: Token <key>). The key is shown once: only its digest is "
        "kept. <login> is what the user logs in with (Rocky: the e-mail address). --replace revokes the token of "
        "that name first; --revoke only revokes it. stdout is the key alone; the hint goes to stderr."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("login", help=gettext("the user's USERNAME_FIELD value (a username, or Rocky's e-mail)"))
        parser.add_argument(
            "--name", default=DEFAULT_NAME, help=gettext("tells a user's tokens apart (default: %(default)s)")
        )
        action = parser.add_mutually_exclusive_group()
        action.add_argument(
            "--replace", action="store_true", help=gettext("revoke the token of this name, issue a new one")
        )
        action.add_argument("--revoke", action="store_true", help=gettext("revoke the token of this name, issue none"))

    def handle(self, *args: Any, login: str, name: str, replace: bool, revoke: bool, **options: Any) -> None:
        try:
            user = user_find(login)
            if revoke:
                token_revoke(user=user, name=name)
                self.stderr.write(_("Revoked the API token {name!r} of {login}.").format(name=name, login=login))
                return
            key = (token_replace if replace else token_issue)(user=user, name=name)
        except (UserError, TokenError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(key)
        self.stderr.write(
            _("API token {name!r} of {login}, shown once: send it as 'Authorization: Token <key>'.").format(
                name=name, login=login
            )
        )
