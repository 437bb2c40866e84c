"""The embedded catalogue's hot statements on PostgreSQL, one round trip each.

Every scan-profile mutation reads the enabled plugins and writes the object projection. Through
the ORM that was ten statements (get_or_create and update_or_create with their savepoints) and
most of a mutation's CPU; here it is two statements. Values are always parameters; only table
names from the models' own metadata are put into the SQL text.
"""

import datetime
import json
from collections.abc import Iterable
from typing import Any

from django.db import connection

from rocky_scheduler.catalogue.base import OOIInfo, PluginInfo
from rocky_scheduler.models import OOI, Organisation, Plugin, PluginEnablement

_ORGANISATION = Organisation._meta.db_table
_OOI = OOI._meta.db_table
_PLUGIN = Plugin._meta.db_table
_ENABLEMENT = PluginEnablement._meta.db_table

_ENABLED_PLUGINS_SQL = f"""
    SELECT p.id, p.type, p.name, p.version, p.oci_image, p.scan_level, p.consumes, p.interval, p.cron,
           p.produces, p.run_on
      FROM {_PLUGIN} AS p
      JOIN {_ENABLEMENT} AS e ON e.plugin_id = p.id AND e.enabled
      JOIN {_ORGANISATION} AS o ON o.id = e.organisation_id
     WHERE o.code = %s AND p.type = %s
     ORDER BY p.id
"""  # noqa: S608 - table names from model metadata; values are parameters

# The row as it was before (read in the statement's snapshot), then the upsert; no row at all
# when the organisation is unknown, which the caller creates first.
_OOI_UPSERT_SQL = f"""
    WITH organisation AS (
        SELECT id FROM {_ORGANISATION} WHERE code = %s
    ),
    before AS (
        SELECT ooi.object_type, ooi.scan_level
          FROM {_OOI} AS ooi JOIN organisation ON ooi.organisation_id = organisation.id
         WHERE ooi.primary_key = %s
    ),
    upserted AS (
        INSERT INTO {_OOI} (organisation_id, primary_key, object_type, scan_level, scan_profile_type, modified_at)
        SELECT id, %s, %s, %s, '', %s FROM organisation
        ON CONFLICT (organisation_id, primary_key) DO UPDATE
           SET object_type = EXCLUDED.object_type, scan_level = EXCLUDED.scan_level,
               modified_at = EXCLUDED.modified_at
        RETURNING id
    )
    SELECT upserted.id, before.object_type, before.scan_level FROM upserted LEFT JOIN before ON true
"""  # noqa: S608 - table names from model metadata; values are parameters

# The batch form (an event storm, issue 16): objects not yet known as they were are not read back.
_OOI_UPSERT_MANY_SQL = f"""
    INSERT INTO {_OOI} (organisation_id, primary_key, object_type, scan_level, scan_profile_type, modified_at)
    SELECT o.id, v.primary_key, v.object_type, v.scan_level, '', %s
      FROM unnest(%s::text[], %s::text[], %s::text[], %s::int[]) AS v (code, primary_key, object_type, scan_level)
      JOIN {_ORGANISATION} AS o ON o.code = v.code
    ON CONFLICT (organisation_id, primary_key) DO UPDATE
       SET object_type = EXCLUDED.object_type, scan_level = EXCLUDED.scan_level, modified_at = EXCLUDED.modified_at
"""  # noqa: S608 - table names from model metadata; values are parameters


def is_postgresql() -> bool:
    """The embedded catalogue's hot writes have a single-statement form on PostgreSQL (these); the ORM elsewhere."""
    return connection.vendor == "postgresql"


class UnknownOrganisation(Exception):
    """The projection has no such organisation yet."""


def enabled_plugins(*, organisation: str, plugin_type: str) -> list[PluginInfo]:
    with connection.cursor() as cursor:
        cursor.execute(_ENABLED_PLUGINS_SQL, [organisation, plugin_type])
        rows = cursor.fetchall()
    return [plugin_info(*row) for row in rows]


def ooi_upsert(ooi: OOIInfo, *, now: datetime.datetime) -> OOIInfo | None:
    """Record `ooi`; returns what was known before (None: new). Raises UnknownOrganisation."""
    with connection.cursor() as cursor:
        cursor.execute(
            _OOI_UPSERT_SQL,
            [ooi.organisation, ooi.primary_key, ooi.primary_key, ooi.object_type, ooi.scan_level, now],
        )
        row = cursor.fetchone()
    if row is None:
        raise UnknownOrganisation(ooi.organisation)
    _, object_type, scan_level = row
    if object_type is None:
        return None
    return OOIInfo(
        organisation=ooi.organisation, primary_key=ooi.primary_key, object_type=object_type, scan_level=scan_level
    )


def ooi_upsert_many(oois: list[OOIInfo], *, now: datetime.datetime) -> int:
    """Record distinct objects in one statement; how many were written (fewer: an organisation is unknown)."""
    columns: list[list[str] | list[int]] = [[ooi.organisation for ooi in oois], [ooi.primary_key for ooi in oois]]
    columns += [[ooi.object_type for ooi in oois], [ooi.scan_level for ooi in oois]]
    with connection.cursor() as cursor:
        cursor.execute(_OOI_UPSERT_MANY_SQL, [now, *columns])
        return cursor.rowcount


def plugin_info(
    plugin_id: str,
    plugin_type: str,
    name: str,
    version: str,
    oci_image: str,
    scan_level: int,
    consumes: str | list[str] | None,
    interval: int | None,
    cron: str | None,
    produces: str | Iterable[str] = (),
    run_on: str | list[str] | None = None,
) -> PluginInfo:
    """A PluginInfo from the plugin table's columns (interval in minutes, JSON columns as text or decoded)."""
    # Django has psycopg2 hand jsonb over as text (JSONField decodes it); a raw cursor gets that text.
    consumes, produces, run_on = (_decoded(value) for value in (consumes, produces, run_on))
    return PluginInfo(
        id=plugin_id,
        type=plugin_type,
        name=name,
        version=version,
        oci_image=oci_image,
        scan_level=scan_level,
        consumes=tuple(consumes or ()),
        interval=datetime.timedelta(minutes=interval) if interval else None,
        cron=cron or None,
        produces=tuple(produces or ()),
        run_on=tuple(run_on) if run_on is not None else None,
    )


def _decoded(value: object) -> Any:
    return json.loads(value) if isinstance(value, str) else value
