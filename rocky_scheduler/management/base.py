"""What the scheduler's management commands share."""

from argparse import ArgumentParser

from django.core.management.base import BaseCommand


class TranslatedCommand(BaseCommand):
    """A command whose `help` is a lazy translation: argparse wraps the description with a regular expression,
    which needs a plain str, made here in the language active when the command runs."""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs) -> ArgumentParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.description = str(self.help) if self.help else None
        return parser
