import multiprocessing
import sys

from django.apps import AppConfig


class RockySchedulerConfig(AppConfig):
    name = "rocky_scheduler"
    label = "rocky_scheduler"
    verbose_name = "Scheduler"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.signals import request_finished, request_started

        from rocky_scheduler.client.acting import mark_request_finished, mark_request_started
        from rocky_scheduler.conf import app_settings

        # The in-process client tells a request from a background process by these (client/acting.py).
        request_started.connect(mark_request_started, dispatch_uid="rocky_scheduler.client.request_started")
        request_finished.connect(mark_request_finished, dispatch_uid="rocky_scheduler.client.request_finished")

        if sys.argv[1:2] == ["qcluster"] and multiprocessing.parent_process() is None:
            # Said once by the cluster as it starts, not by each minute's ingest run.
            from rocky_scheduler.ingest.connection import log_ingest_setup

            log_ingest_setup()

        if app_settings.API_ALLOW_ANONYMOUS:
            import logging

            logging.getLogger("rocky_scheduler").warning(
                "Anonymous API access is ON (SCHEDULER_API_ALLOW_ANONYMOUS): anyone who reaches this server "
                "can push, pop and change tasks. Use it only on a trusted network."
            )
