"""Create or update a user in one of the scheduler's groups (idempotent), with any user model.

Readers and analysts work in the Django admin, which admits staff only, so they are made staff;
workers only call the API, so they are not, and get a token instead (printed once, when it is issued).
Passwords are never taken on the command line: set one with `manage.py changepassword <login>`.
"""

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser

from rocky_scheduler.models import ApiToken
from rocky_scheduler.services.tokens import token_issue
from rocky_scheduler.services.users import UserError, user_ensure

ROLES = {
    "readonly": ("scheduler-readonly", True),
    "analyst": ("scheduler-analysts", True),
    "worker": ("scheduler-workers", False),
}


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
        group_name, staff = ROLES[role]
        try:
            user, created = user_ensure(login, email=email)
        except UserError as error:
            raise CommandError(str(error)) from None
        if staff and not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        user.groups.add(Group.objects.get(name=group_name))
        self.stdout.write(f"{'created' if created else 'updated'} {login} in {group_name}")
        if staff:
            if not user.has_usable_password():
                self.stdout.write(f"set a password to log in to the admin: manage.py changepassword {login}")
        elif ApiToken.objects.filter(user=user).exists():
            # Only a digest is kept, so the key cannot be shown again.
            self.stdout.write(f"has an API token already; a new key: manage.py scheduler_token {login} --replace")
        else:
            self.stdout.write(f"API token (shown once): {token_issue(user=user)}")
