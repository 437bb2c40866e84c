"""Create or update a user in one of the scheduler's groups (idempotent).

Readers and analysts work in the Django admin, which admits staff only, so they are made staff;
workers only call the API, so they are not, and get a token instead. Passwords are never taken
on the command line: set one with `manage.py changepassword <username>`.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandParser
from rest_framework.authtoken.models import Token

ROLES = {
    "readonly": ("scheduler-readonly", True),
    "analyst": ("scheduler-analysts", True),
    "worker": ("scheduler-workers", False),
}


class Command(BaseCommand):
    help = "Create or update a scheduler user: readonly or analyst (admin, staff) or worker (API token)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", choices=sorted(ROLES), required=True)
        parser.add_argument("--email", default="")

    def handle(self, *args, username: str, role: str, email: str, **options) -> None:
        group_name, staff = ROLES[role]
        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(
            **{user_model.USERNAME_FIELD: username}, defaults={"email": email}
        )
        if created:
            user.set_unusable_password()
        if staff and not user.is_staff:
            user.is_staff = True
        user.save()
        user.groups.add(Group.objects.get(name=group_name))
        self.stdout.write(f"{'created' if created else 'updated'} {username} in {group_name}")
        if staff:
            if not user.has_usable_password():
                self.stdout.write(f"set a password to log in to the admin: manage.py changepassword {username}")
        else:
            token, _ = Token.objects.get_or_create(user=user)
            self.stdout.write(f"API token: {token.key}")
