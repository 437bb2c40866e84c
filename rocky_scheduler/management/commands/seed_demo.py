import json as _json
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rocky_scheduler.management.base import TranslatedCommand
from rocky_scheduler.services.demo_seed import DemoLogin, demo_default_login, demo_seed
from rocky_scheduler.services.users import UserError


class Command(TranslatedCommand):
    help = _(
        "Load the demo catalogue (organisations acme and globex, boefjes, normalizers) and a staff user. "
        "Each run prints a new API token for that user (named 'demo'; the previous demo token stops working)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--username", default=None, help=gettext("the staff login (default: admin, or admin@example.com)")
        )
        parser.add_argument(
            "--password", default="rocky-admin", help=gettext("the staff password (default: %(default)s)")
        )
        parser.add_argument(
            "--json", action="store_true", help=gettext("print the logins and tokens as one JSON object (for scripts)")
        )

    def handle(self, *args: Any, username: str | None, password: str, json: bool = False, **options: Any) -> None:
        try:
            login = demo_seed(username=username or demo_default_login(), password=password)
        except UserError as error:
            raise CommandError(str(error)) from None
        if json:
            self.stdout.write(_json.dumps(_as_json(login)))
            return
        self.stdout.write(
            _("Demo catalogue loaded. Staff login: {username} / {password}").format(
                username=login.username, password=login.password
            )
        )
        self.stdout.write(
            _("Worker token for {worker} (role worker): {token}").format(worker=login.worker, token=login.worker_token)
        )
        self.stdout.write(_("API token for {username}: {token}").format(username=login.username, token=login.token))


def _as_json(login: DemoLogin) -> dict:
    return {
        "username": login.username,
        # Only a password this run set is printed; an existing user's stays theirs.
        "password": login.password if login.password_set else None,
        "token": login.token,
        "worker": login.worker,
        "worker_token": login.worker_token,
    }
