import json as _json

from django.core.management.base import BaseCommand, CommandError

from rocky_scheduler.services.demo_seed import DemoLogin, demo_default_login, demo_seed
from rocky_scheduler.services.users import UserError


class Command(BaseCommand):
    help = (
        "Load the demo catalogue (organisations acme and globex, boefjes, normalizers) and a staff user. "
        "Each run prints a new API token for that user (named 'demo'; the previous demo token stops working)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default=None, help="the staff login (default: admin, or admin@example.com)")
        parser.add_argument("--password", default="rocky-admin")
        parser.add_argument(
            "--json", action="store_true", help="print the logins and tokens as one JSON object (for scripts)"
        )

    def handle(self, *args, username: str | None, password: str, json: bool = False, **options) -> None:
        try:
            login = demo_seed(username=username or demo_default_login(), password=password)
        except UserError as error:
            raise CommandError(str(error)) from None
        if json:
            self.stdout.write(_json.dumps(_as_json(login)))
            return
        self.stdout.write(f"Demo catalogue loaded. Staff login: {login.username} / {login.password}")
        self.stdout.write(f"Worker token for {login.worker} (role worker): {login.worker_token}")
        self.stdout.write(f"API token for {login.username}: {login.token}")


def _as_json(login: DemoLogin) -> dict:
    return {
        "username": login.username,
        # Only a password this run set is printed; an existing user's stays theirs.
        "password": login.password if login.password_set else None,
        "token": login.token,
        "worker": login.worker,
        "worker_token": login.worker_token,
    }
