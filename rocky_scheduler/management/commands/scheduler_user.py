"""Create or update a user in one of the scheduler's groups (idempotent), with any user model.

Readers and analysts work in the Django admin, so they are made staff; workers only call the API and get a
token instead, printed once, when it is issued. Passwords are never taken on the command line: set one with
`manage.py changepassword <login>`.
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rocky_scheduler.services.users import ROLES, UserError, user_ensure_role


class Command(BaseCommand):
    help = (
        "Create or update a scheduler user: readonly or analyst (admin, staff) or worker (API token). "
        "<login> is what the user logs in with (Rocky: the e-mail address)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("login", help="the user's USERNAME_FIELD value (a username, or Rocky's e-mail)")
        parser.add_argument("--role", choices=sorted(ROLES), required=True)
        parser.add_argument("--email", default="", help="for a new user, where the e-mail is not the login")

    def handle(self, *args, login: str, role: str, email: str, **options) -> None:
        try:
            outcome = user_ensure_role(login=login, role=role, email=email)
        except UserError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"{'created' if outcome.created else 'updated'} {login} in {outcome.group}")
        if ROLES[role][1]:  # an admin role
            if not outcome.user.has_usable_password():
                self.stdout.write(f"set a password to log in to the admin: manage.py changepassword {login}")
        elif outcome.key:
            self.stdout.write(f"API token (shown once): {outcome.key}")
        else:
            # Only a digest is kept, so the key cannot be shown again.
            self.stdout.write(f"has an API token already; a new key: manage.py scheduler_token {login} --replace")
