"""The task store (rocky_scheduler/queue/store) is the only code that writes task rows and their history.

A second writer is what issue 15 took apart: history rows written by hand in eight places, statuses set outside
the status machine. This test reads the app's source and fails, naming the line, when code outside the store
writes Task or TaskEvent rows through their managers or querysets, saves a task, or holds SQL that inserts into
or updates their tables. (Housekeeping's retention deletes are not writes of this kind.)
"""

import ast
import re
from pathlib import Path

import rocky_scheduler
from rocky_scheduler.models import Task, TaskEvent

APP = Path(rocky_scheduler.__file__).parent
STORE = APP / "queue" / "store"
MODELS = {"Task", "TaskEvent"}
WRITES = {"create", "bulk_create", "update", "bulk_update", "update_or_create", "get_or_create"}
# Instances of these names are tasks wherever the app uses them (task, existing, original, running, claimed...).
TASK_VARIABLES = re.compile(r"^(task|tasks|existing|original|claimed|running|new_task)$")
TABLES = (Task._meta.db_table, TaskEvent._meta.db_table)
SQL_WRITE = re.compile(
    r"(INSERT\s+INTO|UPDATE)\s+(\{(Task|TaskEvent)\._meta\.db_table\}|" + "|".join(TABLES) + r")(?!\w)", re.IGNORECASE
)


def _root(node: ast.AST) -> ast.AST:
    """The name a chain like `Task.objects.filter(...).update` starts from."""
    while isinstance(node, ast.Attribute | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node


def writes_outside_the_store(source: str, filename: str) -> list[str]:
    found = []
    tree = ast.parse(source, filename)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method, root = node.func.attr, _root(node.func.value)
            if method in WRITES and isinstance(root, ast.Name) and root.id in MODELS:
                found.append(f"{filename}:{node.lineno}: {root.id}....{method}()")
            if method == "save" and isinstance(root, ast.Name) and TASK_VARIABLES.match(root.id):
                found.append(f"{filename}:{node.lineno}: {root.id}.save()")
    found += [
        f"{filename}:{source.count(chr(10), 0, match.start()) + 1}: SQL {match.group(0)!r}"
        for match in SQL_WRITE.finditer(source)
    ]
    return found


def test_only_the_task_store_writes_tasks_and_their_history():
    offenders = []
    for path in sorted(APP.rglob("*.py")):
        if STORE in path.parents or "migrations" in path.parts:
            continue
        offenders += writes_outside_the_store(path.read_text(), str(path.relative_to(APP)))
    assert offenders == [], "task rows written outside rocky_scheduler/queue/store:\n" + "\n".join(offenders)


def test_the_store_itself_is_seen_writing():
    # The scan finds the writes the store does make: it would find them anywhere else too.
    found = []
    for path in sorted(STORE.glob("*.py")):
        found += writes_outside_the_store(path.read_text(), path.name)
    text = "\n".join(found)
    for expected in (
        "TaskEvent....create()",
        "Task....update()",
        "task.save()",
        "existing.save()",
        "SQL 'INSERT INTO {Task",
    ):
        assert expected in text, (expected, text)


def test_each_kind_of_second_writer_is_caught():
    source = """
from rocky_scheduler.models import Task, TaskEvent
def sneak(task):
    TaskEvent.objects.create(task=task, kind="status")
    Task.objects.filter(pk=task.pk).update(status="failed")
    task.save(update_fields=["status"])
    sql = f"UPDATE {Task._meta.db_table} SET status = 'failed'"
"""
    found = writes_outside_the_store(source, "sneak.py")
    assert [line.split(": ", 1)[1] for line in found] == [
        "TaskEvent....create()",
        "Task....update()",
        "task.save()",
        "SQL 'UPDATE {Task._meta.db_table}'",
    ]
