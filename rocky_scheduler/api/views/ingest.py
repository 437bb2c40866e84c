from django.db import transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from rocky_scheduler.api.permissions import refuse_unless_may_change
from rocky_scheduler.api.schema import WITH_BODY, errors, extend_schema
from rocky_scheduler.api.views.base import SchedulerApiView
from rocky_scheduler.catalogue import CatalogueUnavailable
from rocky_scheduler.errors import InvalidInput
from rocky_scheduler.services.ingest import RAW_FILE_RECEIVED, SCAN_PROFILE_MUTATIONS, ingest_validate
from rocky_scheduler.services.ingest_batch import BatchMessage, ingest_batch
from rocky_scheduler.services.scheduling.plugin_sync import parse_plugin_event, plugin_event_apply

MAX_MESSAGES = 1000
TOO_MANY = _("At most {maximum} messages per request.")
EMPTY = _("Send one message (a JSON object) or a list of them.")
# Which message of a batch was refused, and why.
MESSAGE_INVALID = _("message {index}: {reason}")
CATALOGUE_DOWN = _("The catalogue did not answer ({detail}); send the event again shortly.")
CATALOGUE_RETRY_AFTER_SECONDS = 30


class IngestView(SchedulerApiView):
    """The RabbitMQ payloads over HTTP: one message or a list, all validated before any is applied."""

    required_permissions = {"POST": ("push_task",)}
    queue = ""

    @extend_schema(
        request=dict,
        responses={202: dict, **errors(*WITH_BODY, _403="The token's user lacks push_task.")},
        summary="Ingest events as the AMQP consumer would",
        description=(
            "For a deployment without RabbitMQ: the message OpenKAT would publish on this queue (or a list of up "
            "to 1000), each validated before any is applied; the answer says what each one scheduled."
        ),
    )
    def post(self, request: Request) -> Response:
        data = request.data
        messages = data if isinstance(data, list) else [data]
        if not messages or messages == [{}]:
            raise InvalidInput(EMPTY, field="body")
        if len(messages) > MAX_MESSAGES:
            raise InvalidInput(TOO_MANY.format(maximum=MAX_MESSAGES), field="body")
        organisations = set()
        for index, message in enumerate(messages):
            try:
                organisations.add(ingest_validate(queue=self.queue, payload=message))
            except InvalidInput as error:
                raise InvalidInput(
                    MESSAGE_INVALID.format(index=index, reason=error.message), field=error.field
                ) from None
        # An event makes work for its organisation: the access policy decides, as for a push.
        for organisation in sorted(organisations):
            refuse_unless_may_change(request, organisation)
        # The consumer's batch path (one transaction, set-based scheduling); all or nothing over HTTP: the first
        # message that raised rolls the request back and answers for it.
        with transaction.atomic():
            results = ingest_batch([BatchMessage(self.queue, message) for message in messages])
            for result in results:
                if result.error is not None:
                    raise result.error
        # Every message committed (any error raised above), so each has its outcome.
        outcomes = [result.outcome for result in results if result.outcome is not None]
        return Response(
            {
                "results": [outcome.as_json() for outcome in outcomes],
                "scheduled": sum(len(outcome.scheduled) for outcome in outcomes),
            },
            status=status.HTTP_202_ACCEPTED,
        )


class ScanProfileMutationIngestView(IngestView):
    queue = SCAN_PROFILE_MUTATIONS


class RawFileReceivedIngestView(IngestView):
    queue = RAW_FILE_RECEIVED


class PluginEnablementIngestView(SchedulerApiView):
    """KATalogus (or Rocky) saying a plugin was switched on or off for an organisation: the scheduler asks the
    catalogue afresh and enables or disables that plugin's schedules for the organisation's objects."""

    required_permissions = {"POST": ("push_task",)}

    @extend_schema(
        request=dict,
        responses={
            202: dict,
            **errors(*WITH_BODY, 503, missing="plugin", _403="The token's user lacks push_task."),
        },
        summary="A plugin was enabled or disabled for an organisation: schedule or stop it",
        description=(
            'For KATalogus or Rocky, right after a plugin is switched: `{"organisation": "acme", "plugin_id": '
            '"nmap", "enabled": true}`. The scheduler asks the catalogue afresh (the event only says where to '
            "look), then schedules the plugin for that organisation's objects or disables its schedules there; "
            "the same event twice does nothing the second time. Queued and running tasks are left alone."
        ),
    )
    def post(self, request: Request) -> Response:
        event = parse_plugin_event(request.data)
        refuse_unless_may_change(request, event.organisation)
        try:
            result = plugin_event_apply(event=event)
        except CatalogueUnavailable as error:
            # Nothing was decided on a guess: the sender retries, and the reconciliation would catch it anyway.
            response = Response(
                {"detail": CATALOGUE_DOWN.format(detail=error.detail)}, status=status.HTTP_503_SERVICE_UNAVAILABLE
            )
            response["Retry-After"] = str(CATALOGUE_RETRY_AFTER_SECONDS)
            return response
        return Response(result.as_json(), status=status.HTTP_202_ACCEPTED)
