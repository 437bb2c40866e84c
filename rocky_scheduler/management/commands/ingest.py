import json
import math
import signal
from dataclasses import asdict
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rocky_scheduler.conf import app_settings
from rocky_scheduler.ingest.connection import ingest_prefetch
from rocky_scheduler.ingest.consumer import AmqpConsumer
from rocky_scheduler.management.base import TranslatedCommand

NO_AMQP_URL = _("AMQP_URL is not set; there is no RabbitMQ to consume from.")
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Command(TranslatedCommand):
    help = _(
        "Consume OpenKAT's scan_profile_mutations and raw_file_received queues from AMQP_URL in the foreground. "
        "django-q2 already runs the same consumer (rocky_scheduler.ingest.consumer.ingest_run); this is for "
        "running it on its own or for debugging."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seconds",
            type=float,
            default=None,
            help=gettext("stop after this long (default INGEST_RUN_SECONDS; 0: never)"),
        )

    def handle(self, *args: Any, seconds: float | None, **options: Any) -> None:
        url = app_settings.AMQP_URL
        if not url:
            raise CommandError(str(NO_AMQP_URL))
        if seconds is None:
            seconds = app_settings.INGEST_RUN_SECONDS
        consumer = AmqpConsumer(
            url,
            run_seconds=seconds or math.inf,
            prefetch=ingest_prefetch(),
            dead_letter_queue=app_settings.DEAD_LETTER_QUEUE,
        )
        # Finish the messages in hand and close the connection, rather than dying mid-message.
        previous = {signum: signal.signal(signum, lambda *_: consumer.stop()) for signum in STOP_SIGNALS}
        try:
            stats = consumer.run()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        self.stdout.write(json.dumps(asdict(stats)))
