"""What the scheduler's management commands share."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from rocky_scheduler.errors import StrOrPromise


class TranslatedCommand(BaseCommand):
    """A command whose `help` is a lazy translation: argparse wraps the description with a regular expression,
    which needs a plain str, made here in the language active when the command runs. The arguments' help is
    translated with plain gettext in add_arguments, which runs in that same language, as the parser is made."""

    # BaseCommand declares a str; a lazy translation is what makes `help` follow the active language.
    help: StrOrPromise = ""  # type: ignore[assignment]

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.description = str(self.help) if self.help else None
        return parser
