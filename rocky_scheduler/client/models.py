"""What the in-process client returns and raises: the host's own models and exceptions, or plain JSON data.

Rocky's views use what its HTTP client returns as pydantic objects: `task.organization_id()`,
`task.data.raw_data.boefje_meta.ended_at`, `task.data.model_dump()`, `page.count`, `page.results[0].id`,
`isinstance(task.data, BoefjeTask)`. Objects that merely look alike would have to copy those methods, so the
client is handed Rocky's module (`rocky.scheduler`) and builds Rocky's own classes from the API's JSON shapes,
exactly as its HTTP client parses the same JSON. Without a module (the standalone project, other hosts) it returns
that JSON data as plain dicts and lists, which the same models validate.
"""

import importlib
from types import ModuleType
from typing import Any

from rocky_scheduler.client import errors

# Rocky's names (rocky/scheduler.py) for what each call returns.
TASK = "Task"
TASK_POP = "TaskPop"
TASK_PAGE = "PaginatedTasksResponse"
SCHEDULE = "ScheduleResponse"
SCHEDULE_PAGE = "PaginatedSchedulesResponse"
QUEUE = "Queue"
HEALTH = "ServiceHealth"

# TypeAdapters cost milliseconds to build; one per (module, name) for the life of the process.
_adapters: dict[tuple[str, str], Any] = {}
# Our errors that the host's module lacks, made subclasses of its SchedulerError so its `except` holds.
_derived_errors: dict[tuple[str, str], type[Exception]] = {}


class ClientModels:
    def __init__(self, module: ModuleType | str | None = None) -> None:
        self.module = importlib.import_module(module) if isinstance(module, str) else module

    def parse(self, name: str, data: Any, *, many: bool = False) -> Any:
        """`data` (the API's JSON shape) as the host's model `name`, or as it is when there is no such model."""
        module = self.module
        model = getattr(module, name, None) if module is not None else None
        if module is None or model is None:
            return data
        # pydantic is imported only when there are models to build: it is the host's dependency, not the app's.
        from pydantic import ValidationError

        try:
            return _adapter(module, name, model, many=many).validate_python(data)
        except ValidationError as error:
            # As Rocky's client, when an answer does not parse as its model.
            raise self.error("SchedulerValidationError", str(error)) from error

    def error(self, name: str, detail: str, *, message: str | None = None) -> Exception:
        """An exception of Rocky's class `name`; `detail` says what went wrong, `message` replaces the generic one."""
        # Rocky's class or ours: either takes `message` and `detail`, which the Exception the type names lacks.
        error: Any = self._error_class(name)(detail)
        if message is not None:
            error.message = message
        # Rocky's classes keep no detail of their own; ours set it in __init__ already.
        error.detail = detail
        return error

    def _error_class(self, name: str) -> type[Exception]:
        ours = errors.ERROR_CLASSES[name]
        if self.module is None:
            return ours
        theirs = getattr(self.module, name, None)
        if theirs is not None:
            return theirs
        base = getattr(self.module, "SchedulerError", None)
        if base is None:
            return ours
        key = (self.module.__name__, name)
        if key not in _derived_errors:
            _derived_errors[key] = type(name, (ours, base), {"__module__": __name__})
        return _derived_errors[key]


def _adapter(module: ModuleType, name: str, model: Any, *, many: bool) -> Any:
    from pydantic import TypeAdapter

    key = (module.__name__, f"list[{name}]" if many else name)
    if key not in _adapters:
        _adapters[key] = TypeAdapter(list[model] if many else model)
    return _adapters[key]
