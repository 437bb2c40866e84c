"""App settings, read lazily from the `ROCKY_SCHEDULER` dict in Django settings.

Reading on every access (not at import) is what lets tests use
`override_settings(ROCKY_SCHEDULER={...})`.
"""

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Heap cache: how many of the best queued candidates a process keeps per scheduler.
    "HEAP_WINDOW": 256,
    # Refill when fewer than this many candidates remain.
    "HEAP_LOW_WATER": 32,
    # A window older than this is re-read, so work pushed by other processes is seen within 1 s.
    "HEAP_MAX_AGE_SECONDS": 0.5,
    # Scheduler settings are re-read by each process at most this often.
    "SCHEDULER_CACHE_SECONDS": 1.0,
    # Claim and status change as server-side prepared statements on PostgreSQL (planned once per
    # connection). False behind a pooler that shares sessions (PgBouncer in transaction mode).
    "PREPARED_STATEMENTS": True,
    # How many candidates one claim statement considers.
    "CLAIM_CANDIDATES": 16,
    # Upper bound on `limit` of one pop.
    "POP_LIMIT_MAX": 100,
    "AMQP_URL": None,
    "API_ALLOW_ANONYMOUS": False,
    # Dotted paths of the host's DRF authentication classes the API also accepts (Rocky: knox tokens),
    # tried after the scheduler's own tokens and before the session.
    "API_AUTHENTICATION_CLASSES": [],
    # An API token that authenticated is trusted again for this long without a query (0: always ask).
    # A revoked token or deactivated user is refused at once by the process that made the change.
    "TOKEN_CACHE_SECONDS": 1.0,
    "MAX_BODY_BYTES": 1024 * 1024,
    # Where prometheus_client keeps the counters of several server processes (None: one process).
    "PROMETHEUS_MULTIPROC_DIR": None,
    "CATALOGUE": "rocky_scheduler.catalogue.EmbeddedCatalogue",
    # Which organisations a user may see and change (rocky_scheduler.access): every one (model permissions alone
    # decide), or Rocky's memberships and permissions ("rocky_scheduler.access_rocky.RockyOrganisationAccess").
    "ORGANISATION_ACCESS": "rocky_scheduler.access.AllOrganisationsAccess",
    # Plugin definitions (interval, scan level) are re-read by each process at most this often.
    # The OpenKAT catalogue also keeps each organisation's plugins and enablement this long.
    "PLUGIN_CACHE_SECONDS": 5.0,
    # OpenKAT catalogue ("rocky_scheduler.catalogue.openkat.OpenKATCatalogue"): base URLs of KATalogus
    # and Octopoes, as OpenKAT's KATALOGUS_API and OCTOPOES_API (e.g. "http://katalogus:8000").
    "KATALOGUS_API": None,
    "OCTOPOES_API": None,
    # Per attempt: connect and each read. A message waits at most about
    # (RETRIES + 1) * TIMEOUT + backoff before the catalogue gives up.
    "EXTERNAL_TIMEOUT_SECONDS": 10.0,
    # Extra attempts after a connection error, timeout or 5xx, waiting BACKOFF, 2 * BACKOFF, ... between.
    "EXTERNAL_RETRIES": 2,
    "EXTERNAL_BACKOFF_SECONDS": 0.5,
    # How many organisations' plugin lists one process keeps (least recently used dropped first).
    "PLUGIN_CACHE_ORGANISATIONS": 1000,
    # The OpenKAT catalogue's projection: the last scan level seen per object, for change detection
    # (record_ooi's answer); Octopoes stays the source of truth. Least recently seen dropped first.
    "OOI_PROJECTION_SIZE": 100_000,
    # /health and the dashboard ask KATalogus' and Octopoes' /health at once and wait at most this long
    # for both; a service that has not answered by then is shown unhealthy.
    "HEALTH_TIMEOUT_SECONDS": 2.0,
    # Their answers are reused for this long, so load balancers polling /health do not poll KATalogus.
    "HEALTH_CACHE_SECONDS": 5.0,
    # OpenKAT #2488: before queueing work for an event's object, the OpenKAT catalogue looks for it in
    # Octopoes for up to this long (short backoff); not found, the message is retried once, then dead-lettered.
    "OBJECT_CONFIRM_SECONDS": 1.5,
    # Plugin enablement (docs/architecture.md, "Plugin enablement: a signal and a reconciliation"). The
    # ingest endpoint acts on each event at once; this job catches events that were lost: every this many
    # minutes it compares the next PLUGIN_RECONCILE_ORGANISATIONS organisations' enabled plugins (one
    # KATalogus request each) with their schedules, round-robin, so a lost event is caught up within
    # ceil(organisations / PLUGIN_RECONCILE_ORGANISATIONS) runs. Read by `manage.py setup_schedules`.
    "PLUGIN_RECONCILE_MINUTES": 15,
    "PLUGIN_RECONCILE_ORGANISATIONS": 50,
    # Completed work with no cron and no plugin interval recurs after this.
    "GRACE_PERIOD_SECONDS": 24 * 3600,
    # How long finished tasks and history are kept before housekeeping deletes them.
    "TASK_RETENTION_DAYS": 90,
    "HISTORY_RETENTION_DAYS": 90,
    "PROCESSED_MESSAGE_RETENTION_DAYS": 7,
    # Plugin enabling works through its objects in batches of this size.
    "BATCH_SIZE": 500,
    # Rescheduling queues due schedules in batches of this size, one transaction each (its row locks are held
    # that long: well under a second at this size), and starts no batch after RESCHEDULE_RUN_SECONDS, below
    # django-q2's task timeout (Q_CLUSTER["timeout"], 300 s): what is still due is the next run's.
    "RESCHEDULE_BATCH_SIZE": 500,
    "RESCHEDULE_RUN_SECONDS": 200,
    # The AMQP consumer job runs this long; django-q2 starts one a minute, so runs overlap.
    "INGEST_RUN_SECONDS": 90,
    "INGEST_PREFETCH": 50,
    # Messages ingested per transaction (an event storm, issue 16), and how long a batch waits to fill up.
    "INGEST_BATCH_SIZE": 200,
    "INGEST_BATCH_WAIT_SECONDS": 0.05,
    "DEAD_LETTER_QUEUE": "rocky_scheduler.dead_letter",
    # Lists, queue sizes, the dashboard and the admin count exactly up to this many rows and give PostgreSQL's
    # estimate above it, marked as such (rocky_scheduler.counting). The maxsize bound is always exact.
    "EXACT_COUNT_UP_TO": 10_000,
}


class AppSettings:
    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"unknown rocky_scheduler setting {name!r}")
        user = getattr(settings, "ROCKY_SCHEDULER", {}) or {}
        return user.get(name, DEFAULTS[name])


app_settings = AppSettings()
