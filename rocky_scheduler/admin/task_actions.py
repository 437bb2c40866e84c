"""The task list's actions: move to the front, requeue, cancel, retry; each through its service, per task."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from rocky_scheduler.access import actor_of
from rocky_scheduler.admin.common import ModelAdminMixin, confirm_first, run_each
from rocky_scheduler.errors import StrOrPromise
from rocky_scheduler.models import Task, TaskStatus
from rocky_scheduler.services import task_set_priority, task_transition
from rocky_scheduler.services.task_push import USER_PRIORITY
from rocky_scheduler.services.task_retry import task_retry

REQUEUE_REASON = "requeued in the admin"
CANCEL_REASON = "cancelled in the admin"
CANCELLED = TaskStatus.CANCELLED.value
QUEUED = TaskStatus.QUEUED.value


class TaskActions(ModelAdminMixin[Task]):
    """Mixed into TaskAdmin (whose `actions` names these); the permissions are TaskAdmin's has_*_permission."""

    # -- actions ------------------------------------------------------------------------------

    @admin.action(description=_("Move to the front (priority 1)"), permissions=["reprioritise"])
    def move_to_front(self, request: HttpRequest, queryset: QuerySet) -> None:
        actor = actor_of(request)
        report = run_each(
            self, request, queryset, lambda pk: task_set_priority(task_id=pk, priority=USER_PRIORITY, actor=actor)
        )
        if report:
            report.send(self, request, done=_("Moved {count} {name} to the front of their queue."))

    @admin.action(description=_("Requeue (back into the queue)"), permissions=["reprioritise"])
    def requeue(self, request: HttpRequest, queryset: QuerySet) -> TemplateResponse | None:
        # A running task's work is dropped and its worker's lease taken away: asked first.
        return self._confirmed_transition(
            request,
            queryset,
            status=QUEUED,
            reason=REQUEUE_REASON,
            question=_("Put these tasks back into the queue? A worker running one of them loses it."),
            button=_("Yes, requeue"),
            done=_("Requeued {count} {name}."),
        )

    @admin.action(description=_("Cancel"), permissions=["cancel"])
    def cancel(self, request: HttpRequest, queryset: QuerySet) -> TemplateResponse | None:
        # A cancelled task never runs again (cancelled is final): asked first.
        return self._confirmed_transition(
            request,
            queryset,
            status=CANCELLED,
            reason=CANCEL_REASON,
            question=_("Cancel these tasks? A cancelled task cannot be queued again; retry makes a new one."),
            button=_("Yes, cancel"),
            done=_("Cancelled {count} {name}."),
        )

    @admin.action(description=_("Retry as a new task (finished tasks)"), permissions=["push"])
    def retry(self, request: HttpRequest, queryset: QuerySet) -> None:
        actor = actor_of(request)
        report = run_each(self, request, queryset, lambda pk: task_retry(task_id=pk, actor=actor))
        if report:
            report.send(self, request, done=_("Retried {count} {name} (queued as new tasks at priority 1)."))

    def _confirmed_transition(
        self,
        request: HttpRequest,
        queryset: QuerySet,
        *,
        status: str,
        reason: str,
        question: StrOrPromise,
        button: StrOrPromise,
        done: StrOrPromise,
    ) -> TemplateResponse | None:
        """Ask first; once confirmed, move each task to `status` through the status machine and report."""
        confirmation = confirm_first(self, request, queryset, question=question, button=button)
        if confirmation is not None:
            return confirmation
        actor = actor_of(request)
        # The plain status value, not the enum: its repr ("TaskStatus.CANCELLED") would end up in the refusal
        # message the user reads.
        report = run_each(
            self, request, queryset, lambda pk: task_transition(task_id=pk, status=status, actor=actor, reason=reason)
        )
        if report:
            report.send(self, request, done=done)
        return None
