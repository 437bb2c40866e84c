from django.core.management.base import BaseCommand, CommandError

from rocky_scheduler.services.demo_seed import demo_default_login, demo_seed
from rocky_scheduler.services.users import UserError


class Command(BaseCommand):
    help = (
        "Load the demo catalogue (organisations acme and globex, boefjes, normalizers) and a staff user. "
        "Each run prints a new API token for that user (named 'demo'; the previous demo token stops working)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default=None, help="the staff login (default: admin, or admin@example.com)")
        parser.add_argument("--password", default="rocky-admin")

    def handle(self, *args, username: str | None, password: str, **options) -> None:
        try:
            login = demo_seed(username=username or demo_default_login(), password=password)
        except UserError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Demo catalogue loaded. Staff login: {login.username} / {login.password}")
        self.stdout.write(f"API token for {login.username}: {login.token}")
