"""Checking what an ingested message did against what its strategy says it must do."""

from rocky_scheduler.models import OOI, Task
from tests.security.strategies import Message


def plugin_of(task: Task) -> str:
    data = task.data
    return (data.get("boefje") or data.get("normalizer") or {}).get("id", "")


def assert_scheduled_as_expected(message: Message) -> None:
    expectation = message.expectation
    assert expectation is not None
    tasks = list(Task.objects.filter(**expectation.lookup))
    plugins = sorted(plugin_of(task) for task in tasks)
    assert plugins == sorted(expectation.plugins), f"{message.body[:300]!r}: scheduled {plugins}"


def assert_left_no_trace(message: Message) -> None:
    """Nothing in the tables that matter names this message's marker."""
    marker = message.marker
    assert not OOI.objects.filter(primary_key__contains=marker).exists(), message.body[:300]
    assert not Task.objects.filter(data__input_ooi__contains=marker).exists(), message.body[:300]
    assert not Task.objects.filter(data__raw_data__id=marker).exists(), message.body[:300]
