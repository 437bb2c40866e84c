from rocky_scheduler.services.task_lease import task_expire_leases
from rocky_scheduler.services.task_pop import task_pop
from rocky_scheduler.services.task_priority import task_set_priority
from rocky_scheduler.services.task_push import task_push
from rocky_scheduler.services.task_transition import task_cancel, task_transition

__all__ = ["task_cancel", "task_expire_leases", "task_pop", "task_push", "task_set_priority", "task_transition"]
