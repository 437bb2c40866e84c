from django.core.management.base import BaseCommand

from rocky_scheduler.services.demo_seed import demo_seed


class Command(BaseCommand):
    help = "Load the demo catalogue (organisations acme and globex, boefjes, normalizers) and a staff user."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default="admin")
        parser.add_argument("--password", default="rocky-admin")

    def handle(self, *args, username: str, password: str, **options) -> None:
        login = demo_seed(username=username, password=password)
        self.stdout.write(f"Demo catalogue loaded. Staff login: {login.username} / {login.password}")
        self.stdout.write(f"API token for {login.username}: {login.token}")
