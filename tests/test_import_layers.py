"""Import layers: no module of the app imports, at any depth or inside a function, a module that imports it back;
services (and the task store under them) never import the entry points (ingest's AMQP adapter, the API, the
admin). Read from the source, so a function-level import that hides a cycle counts too."""

import ast
from pathlib import Path

import rocky_scheduler

APP = Path(rocky_scheduler.__file__).parent
# The schema view describes the URLconf it is routed by (drf-spectacular needs the patterns): an entry point
# describing itself, not a dependency between layers.
SELF_DESCRIPTION = {frozenset({"rocky_scheduler.api.views.schema", "rocky_scheduler.urls"})}
LOWER_LAYERS = ("rocky_scheduler.services", "rocky_scheduler.queue")
ENTRY_POINTS = ("rocky_scheduler.ingest", "rocky_scheduler.api", "rocky_scheduler.admin")


def modules() -> dict[str, Path]:
    found = {}
    for path in APP.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        name = ".".join(path.relative_to(APP.parent).with_suffix("").parts).removesuffix(".__init__")
        found[name] = path
    return found


def import_graph() -> dict[str, set[str]]:
    known = modules()
    graph = {}
    for name, path in known.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("rocky_scheduler"):
                for alias in node.names:
                    submodule = f"{node.module}.{alias.name}"
                    targets.add(submodule if submodule in known else node.module)
            elif isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names if alias.name.startswith("rocky_scheduler")}
        graph[name] = {target for target in targets if target in known and target != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles():
    assert [sorted(cycle) for cycle in cycles(import_graph()) if cycle not in SELF_DESCRIPTION] == []


def test_services_never_import_the_entry_points():
    graph = import_graph()
    wrong = sorted(
        f"{source} imports {target}"
        for source, targets in graph.items()
        if source.startswith(LOWER_LAYERS)
        for target in targets
        if target.startswith(ENTRY_POINTS)
    )
    assert wrong == []


def test_a_cycle_is_found():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [frozenset({"a", "b", "c"})]
