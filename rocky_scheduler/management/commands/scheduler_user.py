"""Create or update a user in one of the scheduler's groups (idempotent), with any user model.

Readers and analysts work in the Django admin, so they are made staff; workers only call the API and get a
token instead, printed once, when it is issued. Passwords are never taken on the command line: set one with
`manage.py changepassword <login>`.
"""

from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rocky_scheduler.management.base import TranslatedCommand
from rocky_scheduler.services.users import ROLES, UserError, user_ensure_role


class Command(TranslatedCommand):
    help = _(
        "Create or update a scheduler user: readonly or analyst (admin, staff) or worker (API token). "
        "<login> is what the user logs in with (Rocky: the e-mail address)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("login", help=gettext("the user's USERNAME_FIELD value (a username, or Rocky's e-mail)"))
        parser.add_argument(
            "--role", choices=sorted(ROLES), required=True, help=gettext("the scheduler group to put the user in")
        )
        parser.add_argument("--email", default="", help=gettext("for a new user, where the e-mail is not the login"))

    def handle(self, *args: Any, login: str, role: str, email: str, **options: Any) -> None:
        try:
            outcome = user_ensure_role(login=login, role=role, email=email)
        except UserError as error:
            raise CommandError(str(error)) from None
        done = _("created {login} in {group}") if outcome.created else _("updated {login} in {group}")
        self.stdout.write(done.format(login=login, group=outcome.group))
        if ROLES[role][1]:  # an admin role
            if not outcome.user.has_usable_password():
                self.stdout.write(
                    _("set a password to log in to the admin: manage.py changepassword {login}").format(login=login)
                )
        elif outcome.key:
            self.stdout.write(_("API token (shown once): {key}").format(key=outcome.key))
        else:
            # Only a digest is kept, so the key cannot be shown again.
            self.stdout.write(
                _("has an API token already; a new key: manage.py scheduler_token {login} --replace").format(
                    login=login
                )
            )
