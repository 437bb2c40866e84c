"""The production-shaped data set of bench/scale_bench.py, built by PostgreSQL itself (issue 16, point 1).

Every row comes from `generate_series` in set-based `INSERT ... SELECT` statements, a chunk of rows per
statement so progress can be shown; no Python runs per row. Identities are pure functions of the row number
(organisation, object, plugin, and ids as `md5(...)::uuid`), so tasks and their history rows are generated in
separate passes without joins, and the same scale gives the same data set.

The shape, at scale 1.0 (every count but the 20 boefjes times the scale, at least 1):
  200 organisations, each with 20 boefjes enabled; 1,000,000 objects spread round-robin over the organisations
  (levels 0-4: 10/40/30/15/5 %); 1,000,000 boefje schedules, one (object, boefje) pair each; 10,000,000
  finished tasks evenly over the last 90 days (60 % boefje tasks of a schedule, 40 % normalizer tasks; 90 %
  completed, 8 % failed, 2 % cancelled,
  independent of the type) with the history rows the app writes for them (created, queued ->
  dispatched -> running -> completed/failed, or queued -> cancelled) and a `queued` schedule event for each boefje
  task (the rescheduler writes one); 1,000,000 queued tasks of the last 6 hours (80 % boefje, each of its own
  schedule, as the active-task index requires; 20 % normalizer), each with its `created` history row.
Per organisation the counts stay the same at every scale (5,000 objects, 50,000 finished tasks).
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

# Full-scale counts from the issue.
FULL = {"organisations": 200, "oois": 1_000_000, "schedules": 1_000_000, "finished": 10_000_000, "queued": 1_000_000}
BOEFJES = (
    ("dns-records", 1, '["Hostname"]'),
    ("dns-sec", 1, '["Hostname"]'),
    ("dns-zone", 1, '["Hostname"]'),
    ("rpki", 1, '["IPAddressV4"]'),
    ("security_txt_downloader", 2, '["URL"]'),
    ("ssl-certificates", 2, '["Hostname"]'),
    ("ssl-version", 2, '["Hostname"]'),
    ("testssl-sh-ciphers", 2, '["Hostname"]'),
    ("webpage-analysis", 2, '["URL"]'),
    ("wappalyzer", 2, '["URL"]'),
    ("leakix", 2, '["IPAddressV4", "Hostname"]'),
    ("shodan", 1, '["IPAddressV4"]'),
    ("adr-validator", 2, '["URL"]'),
    ("fierce", 3, '["Hostname"]'),
    ("pdio-subfinder", 3, '["Hostname"]'),
    ("nmap", 2, '["IPAddressV4"]'),
    ("nmap-udp", 3, '["IPAddressV4"]'),
    ("nmap-ports", 3, '["IPAddressV4"]'),
    ("masscan", 3, '["Network"]'),
    ("snyk", 3, '["URL"]'),
)
NORMALIZERS = ("kat_dns_normalize", "kat_nmap_normalize", "kat_ssl_normalize", "kat_webpage_normalize", "kat_generic")
BIG_TABLES = (
    "rocky_scheduler_organisation",
    "rocky_scheduler_ooi",
    "rocky_scheduler_plugin",
    "rocky_scheduler_pluginenablement",
    "rocky_scheduler_schedule",
    "rocky_scheduler_scheduleevent",
    "rocky_scheduler_task",
    "rocky_scheduler_taskevent",
)
# Secondary indexes and foreign keys of these tables are dropped for the load and built again after it: one
# sort per index instead of a B-tree insert per row, and one validating join per key instead of a trigger per row.
LOADED_TABLES = (
    "rocky_scheduler_ooi",
    "rocky_scheduler_schedule",
    "rocky_scheduler_scheduleevent",
    "rocky_scheduler_task",
    "rocky_scheduler_taskevent",
)
CHUNK = 200_000


@dataclass(frozen=True)
class Counts:
    organisations: int
    oois: int
    schedules: int
    finished: int
    queued: int
    boefjes: int = len(BOEFJES)

    @classmethod
    def at(cls, scale: float) -> "Counts":
        return cls(**{name: max(1, round(full * scale)) for name, full in FULL.items()})

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


# --- Identities as SQL expressions of a row number `i` ---------------------------------------------------------


def _org(i: str) -> str:
    return f"('org-' || lpad(((({i}) - 1) % %(organisations)s + 1)::text, 4, '0'))"


def _ooi_type(i: str) -> str:
    return f"(ARRAY['Hostname','Hostname','Hostname','Hostname','IPAddressV4','IPAddressV4','IPAddressV4','URL','URL','Network'])[({i}) % 10 + 1]"  # noqa: E501


def _ooi_pk(i: str) -> str:
    return f"""(CASE WHEN ({i}) % 10 < 4 THEN 'Hostname|internet|host' || ({i}) || '.example.nl'
        WHEN ({i}) % 10 < 7 THEN 'IPAddressV4|internet|10.' || (({i}) / 65536) % 256 || '.' || (({i}) / 256) % 256
                                  || '.' || ({i}) % 256
        WHEN ({i}) % 10 < 9 THEN 'URL|internet|https://host' || ({i}) || '.example.nl/'
        ELSE 'Network|net-' || ({i}) END)"""


def _plugin(p: str) -> str:
    names = ",".join(f"'{name}'" for name, _, _ in BOEFJES)
    return f"(ARRAY[{names}])[({p}) + 1]"


# Schedule j is (object ((j-1) % oois) + 1, boefje ((j-1) + (j-1) / oois) % 20): distinct pairs up to 20 x oois.
_SCHEDULE_OOI = "(((j) - 1) % %(oois)s + 1)"
_SCHEDULE_PLUGIN = "((((j) - 1) + ((j) - 1) / %(oois)s) % 20)"
_SCHEDULE_ID = "md5('schedule-' || (j))::uuid"
_SCHEDULE_HASH = f"md5({_ooi_pk(_SCHEDULE_OOI)} || '-' || {_plugin(_SCHEDULE_PLUGIN)} || '-' || {_org(_SCHEDULE_OOI)})"


def _boefje_data(task_id: str) -> str:
    pk, plugin = _ooi_pk(_SCHEDULE_OOI), _plugin(_SCHEDULE_PLUGIN)
    ref = f"jsonb_build_object('id', {plugin}, 'name', {plugin}, 'version', NULL, 'oci_image', NULL)"
    fields = f"'boefje', {ref}, 'input_ooi', {pk}, 'organization', {_org(_SCHEDULE_OOI)}"
    task_id_field = f"'id', {task_id}, " if task_id else ""
    return f"jsonb_build_object({task_id_field}{fields})"


def _normalizer_data(task_id: str, n: str) -> str:
    i = f"((({n}) * 7) % %(oois)s + 1)"
    normalizers = ",".join(f"'{name}'" for name in NORMALIZERS)
    plugin = _plugin(f"({n}) % 20")
    boefje_meta = (
        f"jsonb_build_object('id', md5('boefje-meta-' || ({n}))::uuid, 'boefje', jsonb_build_object('id', {plugin}),"
        f" 'input_ooi', {_ooi_pk(i)}, 'organization', {_org(i)})"
    )
    raw = (
        f"jsonb_build_object('id', md5('raw-' || ({n}))::uuid, 'boefje_meta', {boefje_meta},"
        f" 'mime_types', jsonb_build_array(jsonb_build_object('value', 'boefje/' || {plugin})))"
    )
    normalizer = f"(ARRAY[{normalizers}])[({n}) % {len(NORMALIZERS)} + 1]"
    return (
        f"jsonb_build_object('id', {task_id}, 'normalizer', jsonb_build_object('id', {normalizer}, 'version', NULL),"
        f" 'raw_data', {raw})"
    )


# --- The statements -----------------------------------------------------------------------------------------------

_CATALOGUE = [
    """INSERT INTO rocky_scheduler_organisation (code, name)
       SELECT 'org-' || lpad(g::text, 4, '0'), 'Organisation ' || g FROM generate_series(1, %(organisations)s) AS g""",
    """INSERT INTO rocky_scheduler_plugin (id, type, name, version, oci_image, description, scan_level, consumes,
                                           produces, interval, cron, run_on)
       SELECT name, 'boefje', name, '', '', '', level, consumes::jsonb, '[]', 1440 * (1 + ord % 7), NULL, NULL
         FROM unnest(%(boefje_ids)s::text[], %(boefje_levels)s::int[], %(boefje_consumes)s::text[])
              WITH ORDINALITY AS b(name, level, consumes, ord)""",
    """INSERT INTO rocky_scheduler_plugin (id, type, name, version, oci_image, description, scan_level, consumes,
                                           produces, interval, cron, run_on)
       SELECT name, 'normalizer', name, '', '', '', 1, '[]', '[]', NULL, NULL, NULL
         FROM unnest(%(normalizer_ids)s::text[]) AS name""",
    """INSERT INTO rocky_scheduler_pluginenablement (organisation_id, plugin_id, enabled, modified_at)
       SELECT o.id, p.id, true, now() - interval '100 days'
         FROM rocky_scheduler_organisation AS o CROSS JOIN rocky_scheduler_plugin AS p WHERE p.type = 'boefje'""",
]

_LEVEL = "(CASE WHEN (i * 2654435761) % 100 < 10 THEN 0 WHEN (i * 2654435761) % 100 < 50 THEN 1 WHEN (i * 2654435761) % 100 < 80 THEN 2 WHEN (i * 2654435761) % 100 < 95 THEN 3 ELSE 4 END)"  # noqa: E501
_OOIS = f"""
    INSERT INTO rocky_scheduler_ooi (organisation_id, primary_key, object_type, scan_level, scan_profile_type,
                                     modified_at)
    SELECT o.id, {_ooi_pk("i")}, {_ooi_type("i")}, {_LEVEL},
           CASE WHEN {_LEVEL} = 0 THEN 'empty' WHEN i % 3 = 0 THEN 'declared' ELSE 'inherited' END,
           now() - (i % 1000) * interval '1 hour'
      FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS i
      JOIN rocky_scheduler_organisation AS o ON o.code = {_org("i")}
"""

# Schedules with a queued task have no deadline (queuing cleared it); the others are due within a day. 2 %
# are disabled by a person.
_SCHEDULES = f"""
    INSERT INTO rocky_scheduler_schedule (id, scheduler_id, organisation, hash, data, enabled, schedule, deadline_at,
                                          descheduled_at, descheduled_by_raw_file, created_at, modified_at)
    SELECT {_SCHEDULE_ID}, 'boefje', {_org(_SCHEDULE_OOI)}, {_SCHEDULE_HASH}, {_boefje_data("")}, j % 50 <> 0, NULL,
           CASE WHEN j % 50 = 0 OR j <= %(queued_boefje)s THEN NULL
                ELSE now() + (j * 7919 % 86400) * interval '1 second' END,
           NULL, '', now() - interval '120 days' + j * interval '1 millisecond', now() - interval '1 hour'
      FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS j
"""

_TASK_COLUMNS = """id, scheduler_id, schedule_id, organisation, priority, status, type, hash, data, deduplication_key,
                   created_at, modified_at, attempts, dispatched_at, lease_owner, lease_expires_at"""

# Finished task k: 60 % boefje tasks of schedule j = ((k-1) % schedules) + 1, 40 % normalizer tasks.
_FINISHED_ROWS = """
    SELECT k, md5('finished-' || k)::uuid AS id, k % 5 < 3 AS boefje, ((k - 1) % %(schedules)s) + 1 AS j,
           -- Modulo a prime, so the status does not follow the task type (k % 5).
           CASE WHEN (k * 48271) % 101 < 91 THEN 'completed'
                WHEN (k * 48271) % 101 < 99 THEN 'failed' ELSE 'cancelled' END AS status,
           now() - interval '90 days' + (k - 0.5) / %(finished)s * interval '90 days' AS created
      FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS k
"""


def _task_insert(n: str, rows: str, *, status: str, other_hash: str, modified: str, dispatched: str) -> str:
    """INSERT the tasks of `rows` (row number `n`, columns id, boefje, j, created): boefje tasks of schedule j,
    the others normalizer tasks of a raw file; `other_hash` is the normalizer tasks' hash."""
    return f"""
    INSERT INTO rocky_scheduler_task ({_TASK_COLUMNS})
    SELECT id, CASE WHEN boefje THEN 'boefje' ELSE 'normalizer' END, CASE WHEN boefje THEN {_SCHEDULE_ID} END,
           CASE WHEN boefje THEN {_org(_SCHEDULE_OOI)} ELSE {_org(f"({n} * 7) % %(oois)s + 1")} END,
           2 + ({n} * 2654435761) % 999, {status}, CASE WHEN boefje THEN 'boefje' ELSE 'normalizer' END,
           CASE WHEN boefje THEN {_SCHEDULE_HASH} ELSE {other_hash} END,
           CASE WHEN boefje THEN {_boefje_data("id::text")} ELSE {_normalizer_data("id::text", n)} END,
           NULL, created, {modified}, 0, {dispatched}, '', NULL
      FROM ({rows}) AS rows
"""


_FINISHED = _task_insert(
    "k",
    _FINISHED_ROWS,
    status="status",
    other_hash="md5(md5('raw-' || k)::uuid::text || '-normalizer')",
    modified="created + (30 + k % 600) * interval '1 second'",
    dispatched="CASE WHEN status <> 'cancelled' THEN created + interval '10 seconds' END",
)
# The history the app writes for a finished task: push (created), pop (queued -> dispatched), the runner's
# PATCH running and its final PATCH; a cancelled task was withdrawn from the queue.
_FINISHED_EVENTS = f"""
    INSERT INTO rocky_scheduler_taskevent (task_id, at, kind, from_status, to_status, from_priority, to_priority,
                                           actor, reason)
    SELECT id, at, kind, from_status, to_status, NULL, to_priority, actor, reason
      FROM ({_FINISHED_ROWS}) AS rows,
      LATERAL (VALUES
          (created, 'created', '', 'queued', 2 + (k * 2654435761) % 999,
           CASE WHEN boefje THEN 'system:rescheduler' ELSE 'system:raw-file-received' END, ''),
          (created + interval '10 seconds', 'status', 'queued', 'dispatched', NULL, 'runner', ''),
          (created + interval '12 seconds', 'status', 'dispatched', 'running', NULL, 'runner', ''),
          (created + (30 + k % 600) * interval '1 second', 'status', 'running', status, NULL, 'runner',
           CASE WHEN status = 'failed' THEN 'boefje exited with 1' ELSE '' END),
          (created + (30 + k % 600) * interval '1 second', 'status', 'queued', 'cancelled', NULL, 'user:analyst',
           'no longer needed')
      ) AS e(at, kind, from_status, to_status, to_priority, actor, reason)
     WHERE (status = 'cancelled') = (e.from_status = 'queued' AND e.to_status = 'cancelled') OR e.kind = 'created'
"""
_SCHEDULE_EVENTS = f"""
    INSERT INTO rocky_scheduler_scheduleevent (schedule_id, at, kind, actor, reason)
    SELECT {_SCHEDULE_ID}, created, 'queued', 'system:rescheduler', ''
      FROM ({_FINISHED_ROWS}) AS rows WHERE boefje
"""

# Queued task q: 80 % boefje tasks, the n-th of which belongs to schedule n; 20 % normalizer tasks.
_QUEUED_ROWS = """
    SELECT q, md5('queued-' || q)::uuid AS id, q % 5 < 4 AS boefje, q / 5 * 4 + q % 5 AS j,
           now() - interval '6 hours' + (q - 0.5) / %(queued)s * interval '6 hours' AS created
      FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS q
"""
# Normalizer tasks of queued rows get raw files of their own (row numbers past any finished task's).
_QUEUED = _task_insert(
    "(q + 1000000000)",
    _QUEUED_ROWS,
    status="'queued'",
    other_hash="md5('queued-raw-' || q)",
    modified="created",
    dispatched="NULL",
)
_QUEUED_EVENTS = f"""
    INSERT INTO rocky_scheduler_taskevent (task_id, at, kind, from_status, to_status, from_priority, to_priority,
                                           actor, reason)
    SELECT id, created, 'created', '', 'queued', NULL, 2 + ((q + 1000000000) * 2654435761) % 999,
           CASE WHEN boefje THEN 'system:rescheduler' ELSE 'system:raw-file-received' END, ''
      FROM ({_QUEUED_ROWS}) AS rows
"""


@dataclass(frozen=True)
class Phase:
    name: str
    statement: str
    rows: int  # the generator's range; a phase runs it in chunks of CHUNK


def _sql(statement: str) -> str:
    """`%` as modulo written plainly above, doubled for the driver's parameter syntax."""
    return re.sub(r"%(?!\(\w+\)s)", "%%", statement)


def phases(counts: Counts) -> list[Phase]:
    return [
        Phase("oois", _OOIS, counts.oois),
        Phase("schedules", _SCHEDULES, counts.schedules),
        Phase("finished tasks", _FINISHED, counts.finished),
        Phase("finished task history", _FINISHED_EVENTS, counts.finished),
        Phase("schedule history", _SCHEDULE_EVENTS, counts.finished),
        Phase("queued tasks", _QUEUED, counts.queued),
        Phase("queued task history", _QUEUED_EVENTS, counts.queued),
    ]


def _params(counts: Counts) -> dict[str, Any]:
    return {
        **counts.as_dict(),
        # Queued task q is a boefje task unless q % 5 == 4; the n-th of them belongs to schedule n.
        "queued_boefje": counts.queued - (counts.queued + 1) // 5,
        "boefje_ids": [name for name, _, _ in BOEFJES],
        "boefje_levels": [level for _, level, _ in BOEFJES],
        "boefje_consumes": [consumes for _, _, consumes in BOEFJES],
        "normalizer_ids": list(NORMALIZERS),
    }


# --- Indexes and keys off during the load -----------------------------------------------------------------------

_SECONDARY = """
    SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
      FROM pg_index AS i
     WHERE i.indrelid = ANY(%s::regclass[])
       AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conindid = i.indexrelid)
"""
_FOREIGN_KEYS = """
    SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
      FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])
"""


def drop_secondary(cursor) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    """Drop the loaded tables' foreign keys and non-constraint indexes; returns what restore_secondary needs."""
    cursor.execute(_SECONDARY, [list(LOADED_TABLES)])
    indexes = cursor.fetchall()
    cursor.execute(_FOREIGN_KEYS, [list(LOADED_TABLES)])
    keys = cursor.fetchall()
    for table, name, _ in keys:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cursor.execute(f"DROP INDEX {name}")
    return indexes, keys


def restore_steps(indexes: list[tuple[str, str]], keys: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """(label, statement) for each index and key dropped, in the app's own definitions."""
    steps = [(f"index {name}", definition) for name, definition in indexes]
    steps += [
        (f"key {name}", f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}') for table, name, definition in keys
    ]
    return steps


# --- Running it ---------------------------------------------------------------------------------------------------


@dataclass
class Progress:
    """What the builder is doing now; read by the caller's reporter thread."""

    phase: str = "start"
    done: int = 0
    total: int = 0


def chunks(total: int, size: int = CHUNK) -> Iterator[tuple[int, int]]:
    for first in range(1, total + 1, size):
        yield first, min(total, first + size - 1)


def build(
    cursor,
    counts: Counts,
    *,
    progress: Progress | None = None,
    on_phase: Callable[[str, float], None] | None = None,
    clock: Callable[[], float] | None = None,
    chunk: int = CHUNK,
) -> None:
    """Fill the empty, migrated tables through `cursor` (autocommit or one transaction, either works).

    `on_phase(name, seconds)` is told each phase's duration as it ends.
    """
    import time

    clock = clock or time.monotonic
    progress = progress or Progress()
    params = _params(counts)

    def timed(name: str, total: int, run: Callable[[], None]) -> None:
        progress.phase, progress.done, progress.total = name, 0, total
        started = clock()
        run()
        if on_phase:
            on_phase(name, clock() - started)

    def catalogue() -> None:
        for statement in _CATALOGUE:
            cursor.execute(_sql(statement), params)

    timed("catalogue", counts.organisations, catalogue)
    indexes, keys = drop_secondary(cursor)
    for phase in phases(counts):

        def load(phase: Phase = phase) -> None:
            for first, last in chunks(phase.rows, chunk):
                cursor.execute(_sql(phase.statement), {**params, "first": first, "last": last})
                progress.done = last

        timed(phase.name, phase.rows, load)
    for label, statement in restore_steps(indexes, keys):
        timed(label, 0, lambda statement=statement: cursor.execute(statement))


def expected_rows(counts: Counts) -> dict[str, int]:
    """Row counts the builder promises that follow from the counts alone (history depends on the status mix)."""
    return {
        "rocky_scheduler_organisation": counts.organisations,
        "rocky_scheduler_plugin": counts.boefjes + len(NORMALIZERS),
        "rocky_scheduler_pluginenablement": counts.organisations * counts.boefjes,
        "rocky_scheduler_ooi": counts.oois,
        "rocky_scheduler_schedule": counts.schedules,
        "rocky_scheduler_task": counts.finished + counts.queued,
    }
