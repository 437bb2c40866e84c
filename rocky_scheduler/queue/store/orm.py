"""The task store through Django's ORM: every write for SQLite, and the cold paths on PostgreSQL as well.

SQLite serialises writers (the IMMEDIATE transaction), so "read, check, write" inside a transaction holds there
as the single statements of the PostgreSQL store do; the PostgreSQL store inherits what is not on a hot path
(lease expiry, merging a duplicate, re-prioritising), where a row lock and two statements are cheap enough.
"""

import datetime
import uuid
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from rocky_scheduler.errors import (
    DUPLICATE_QUEUED,
    NOT_REPRIORITISABLE,
    TASK_NOT_FOUND,
    DuplicateTask,
    IllegalTransition,
    NotFound,
)
from rocky_scheduler.models import (
    FINAL_STATUSES,
    ProcessedMessage,
    Schedule,
    ScheduleEvent,
    Scheduler,
    Task,
    TaskEvent,
    TaskStatus,
)
from rocky_scheduler.queue.store import deadlines, leases, orm_bulk, orm_claim
from rocky_scheduler.queue.store.machine import LEASE_CLEAR, LEASE_RUN, allowed_from, lease_mode, refusal
from rocky_scheduler.queue.store.orm_bulk import created_event
from rocky_scheduler.queue.store.types import (
    ClaimRequest,
    ClaimResult,
    DueRequest,
    ExpiredLease,
    InsertOutcome,
    TransitionOutcome,
    TransitionRequest,
)

# Re-prioritising is for work not yet handed out.
REPRIORITISABLE = (TaskStatus.QUEUED, TaskStatus.PENDING)
TRANSITION_FIELDS = ["status", "modified_at", "dispatched_at", "lease_owner", "lease_expires_at"]


class OrmTaskStore:
    vendor = "any"

    # --- push -----------------------------------------------------------------------------------------------

    def insert(self, task: Task, *, actor: str, room_checked: bool, reason: str = "") -> InsertOutcome:
        """Insert the task and its `created` history row; CONFLICT when a unique index refuses it.

        Unless `room_checked` (the caller counted under the scheduler lock), a scheduler with a maxsize refuses
        it as BOUNDED: the bound is read here, so one set a moment ago by another process binds this push.
        """
        if not room_checked and Scheduler.objects.filter(pk=task.scheduler_id, maxsize__gt=0).exists():
            return InsertOutcome.BOUNDED
        try:
            with transaction.atomic():
                task.save(force_insert=True)
                created_event(task, actor=actor, reason=reason).save()
        except IntegrityError:
            return InsertOutcome.CONFLICT
        return InsertOutcome.INSERTED

    def insert_many(self, tasks: Sequence[Task], *, actor: str, room_checked: bool, reason: str = "") -> set[uuid.UUID]:
        """Insert the tasks of one scheduler and their `created` history rows; the ids inserted (see orm_bulk)."""
        return orm_bulk.insert_many(tasks, actor=actor, room_checked=room_checked, reason=reason)

    def queue_due(self, request: DueRequest) -> set[uuid.UUID]:
        """Queue a rescheduling batch's tasks of one scheduler with their schedules' writes (see orm_bulk)."""
        return orm_bulk.queue_due(request) if request.tasks else set()

    def upsert_schedules(self, schedules: list[Schedule], *, interval_known: bool = False) -> list[uuid.UUID]:
        """`upsert_schedule` for each schedule (one statement on PostgreSQL)."""
        return [self.upsert_schedule(schedule, interval_known=interval_known) for schedule in schedules]

    def upsert_schedule(self, schedule: Schedule, *, interval_known: bool = False) -> uuid.UUID:
        """The id of the schedule with this hash, inserting `schedule` when there is none.

        `interval_known`: `schedule.interval` is the plugin's interval as the catalogue gives it now, and an
        existing schedule with another copy takes it (with its deadline moved, see deadlines.plugin_interval_refresh).
        """
        Schedule.objects.bulk_create([schedule], ignore_conflicts=True)
        schedule_id, interval = Schedule.objects.values_list("id", "interval").get(hash=schedule.hash)
        if interval_known and interval != (schedule.interval or None):
            self._refresh_interval(schedule)
        return schedule_id

    def _refresh_interval(self, schedule: Schedule) -> None:
        # Rare (the plugin's interval changed since this schedule last saw it): off the hot path.
        plugin_id = (schedule.data.get("boefje") or {}).get("id") if isinstance(schedule.data, dict) else None
        if plugin_id:
            deadlines.plugin_interval_refresh(
                plugin_id=plugin_id, interval=schedule.interval, now=timezone.now(), hash=schedule.hash
            )

    def replace_queued(self, existing: Task, *, replaced_by: uuid.UUID, now: datetime.datetime, actor: str) -> None:
        """Cancel the queued `existing` (locked by the caller) to make room for the task `replaced_by`."""
        existing.status = TaskStatus.CANCELLED
        existing.modified_at = now
        existing.save(update_fields=["status", "modified_at"])
        TaskEvent.objects.create(
            task=existing,
            at=now,
            kind=TaskEvent.Kind.STATUS,
            from_status=TaskStatus.QUEUED,
            to_status=TaskStatus.CANCELLED,
            actor=actor,
            reason=f"replaced by task {replaced_by}",
        )

    def update_queued(
        self,
        existing: Task,
        *,
        priority: int,
        data: dict | None,
        deduplication_key: uuid.UUID | None,
        now: datetime.datetime,
        actor: str,
    ) -> bool:
        """A duplicate push updates the queued `existing` (locked by the caller): its priority, and its data and
        deduplication key unless `data` is None. True when the priority changed."""
        old_priority = existing.priority
        fields = ["priority", "modified_at"]
        existing.priority = priority
        existing.modified_at = now
        if data is not None:
            # The data now describes the queued task, which keeps its own id.
            existing.data = {**data, "id": str(existing.pk)} if "id" in data else data
            existing.deduplication_key = deduplication_key
            fields += ["data", "deduplication_key"]
            TaskEvent.objects.create(task=existing, at=now, kind=TaskEvent.Kind.DATA, actor=actor)
        existing.save(update_fields=fields)
        if old_priority == priority:
            return False
        TaskEvent.objects.create(
            task=existing,
            at=now,
            kind=TaskEvent.Kind.PRIORITY,
            from_priority=old_priority,
            to_priority=priority,
            actor=actor,
        )
        return True

    # --- pop and status changes -----------------------------------------------------------------------------

    def claim(self, request: ClaimRequest) -> ClaimResult:
        """Dispatch up to `limit` of the best matching queued tasks (or the best task's group); best first."""
        return orm_claim.claim(request)

    def transition(self, request: TransitionRequest) -> TransitionOutcome:
        """Move one task as the status machine allows and write its history row.

        Raises NotFound, IllegalTransition (nothing changes then) or DuplicateTask (back to a queue that holds
        the same work).
        """
        to_status, now = request.to_status, request.now
        with transaction.atomic():
            task = Task.objects.select_for_update().filter(pk=request.task_id).first()
            if task is None or task.status not in allowed_from(to_status):
                raise refusal(request.task_id, to_status)
            from_status = task.status
            task.status, task.modified_at = to_status, now
            mode = lease_mode(to_status)
            if mode == LEASE_RUN:
                timeout = Scheduler.objects.values_list("run_timeout_seconds", flat=True).get(pk=task.scheduler_id)
                task.lease_expires_at = now + datetime.timedelta(seconds=timeout)
            elif mode == LEASE_CLEAR:
                task.lease_expires_at, task.lease_owner = None, ""
            if to_status == TaskStatus.QUEUED:
                task.dispatched_at = None
            try:
                with transaction.atomic():
                    task.save(update_fields=TRANSITION_FIELDS)
            except IntegrityError:
                raise DuplicateTask(DUPLICATE_QUEUED.format(scheduler_id=task.scheduler_id), field="status") from None
            TaskEvent.objects.create(
                task=task,
                at=now,
                kind=TaskEvent.Kind.STATUS,
                from_status=from_status,
                to_status=to_status,
                actor=request.actor,
                reason=request.reason,
            )
            deadline = None
            if to_status in FINAL_STATUSES:
                deadline = deadlines.schedule_finished(task=task, now=now, actor=request.actor)
        return TransitionOutcome(task=task, from_status=from_status, deadline_at=deadline)

    def expire_lease_batch(self, *, now: datetime.datetime, batch_size: int) -> list[ExpiredLease]:
        """Requeue or fail up to `batch_size` tasks whose lease ran out; in the caller's transaction."""
        return leases.expire_batch(now=now, batch_size=batch_size)

    def set_priority(
        self, task_id: uuid.UUID | str, priority: int, *, now: datetime.datetime, actor: str, reason: str
    ) -> tuple[Task, bool]:
        """Give a queued task a new priority; the task, and whether anything changed."""
        with transaction.atomic():
            try:
                task = Task.objects.select_for_update().get(pk=task_id)
            except (Task.DoesNotExist, ValidationError, ValueError, TypeError):
                raise NotFound(TASK_NOT_FOUND.format(task_id=task_id), field="id") from None
            if task.status not in REPRIORITISABLE:
                raise IllegalTransition(NOT_REPRIORITISABLE.format(status=task.status), field="priority")
            if task.priority == priority:
                return task, False
            old_priority = task.priority
            task.priority, task.modified_at = priority, now
            task.save(update_fields=["priority", "modified_at"])
            TaskEvent.objects.create(
                task=task,
                at=now,
                kind=TaskEvent.Kind.PRIORITY,
                from_priority=old_priority,
                to_priority=priority,
                actor=actor,
                reason=reason,
            )
        return task, True

    # --- reads on the scheduling hot path -----------------------------------------------------------------------

    def last_completed_at(self, *, scheduler_id: str, hash: str) -> datetime.datetime | None:  # noqa: A002
        """When work with this hash last completed (None: never)."""
        # Only the hash (and status) in SQL: given the scheduler too, SQLite's planner (no statistics) walked the
        # scheduler's whole (scheduler, modified_at) index for every push, a full scan per scheduled task. The hash
        # index finds the few runs of this work; the scheduler is compared here.
        completed = Task.objects.filter(hash=hash, status=TaskStatus.COMPLETED).order_by()
        runs = completed.values_list("scheduler_id", "modified_at")
        return max((at for scheduler, at in runs if scheduler == scheduler_id), default=None)

    def boefje_run_state(
        self,
        *,
        scheduler_id: str,
        hash: str,  # noqa: A002 - the task field
        automatic_actor: str,
    ) -> tuple[datetime.datetime | None, bool]:
        """When work with this hash last completed, and whether its schedule is held off (see selectors)."""
        last_run_at = self.last_completed_at(scheduler_id=scheduler_id, hash=hash)
        schedule = Schedule.objects.filter(hash=hash, enabled=False).first()
        if schedule is None:
            return last_run_at, False
        disables = schedule.events.filter(kind=ScheduleEvent.Kind.DISABLED).order_by("-at", "-id")
        last_disable = disables.values_list("actor", flat=True).first()
        return last_run_at, schedule.descheduled_at is not None or last_disable != automatic_actor

    def boefje_run_states(
        self, *, scheduler_id: str, hashes: list[str], automatic_actor: str
    ) -> dict[str, tuple[datetime.datetime | None, bool]]:
        """`boefje_run_state` for each hash (one statement on PostgreSQL)."""
        return {
            hash_: self.boefje_run_state(scheduler_id=scheduler_id, hash=hash_, automatic_actor=automatic_actor)
            for hash_ in hashes
        }

    # --- ingestion ledger -------------------------------------------------------------------------------------

    def record_processed_message(self, *, digest: str, queue: str) -> None:
        """Remember a message as processed, so its redelivery schedules nothing again."""
        defaults = {"queue": queue, "processed_at": timezone.now()}
        ProcessedMessage.objects.update_or_create(digest=digest, defaults=defaults)

    def record_processed_messages(self, messages: list[tuple[str, str]]) -> None:
        """`record_processed_message` for each (digest, queue) (one statement on PostgreSQL)."""
        for digest, queue in messages:
            self.record_processed_message(digest=digest, queue=queue)
