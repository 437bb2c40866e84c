"""The OpenAPI document as a worker author reads it: its examples work as they are, its `data` shapes require what
the push requires, every operation is described for its caller and lists its `{"detail"}` errors."""

import copy
import re

import pytest
from django.test import Client

from rocky_scheduler.api.views.base import SchedulerApiView
from rocky_scheduler.urls import urlpatterns
from tests.support.api_clients import PREFIX

pytestmark = pytest.mark.django_db

PUSH = f"{PREFIX}/schedulers/{{scheduler_id}}/push"
POP = f"{PREFIX}/schedulers/{{scheduler_id}}/pop"
TASK = f"{PREFIX}/tasks/{{task_id}}"
DATA_SCHEMAS = {"boefje": "BoefjeTask", "normalizer": "NormalizerTask", "report": "ReportTask"}


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        response = Client().get(f"{PREFIX}/schema?format=json")
    assert response.status_code == 200
    return response.json()


def operations(schema: dict):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def request_examples(schema: dict, path: str, method: str) -> dict[str, dict]:
    return schema["paths"][path][method]["requestBody"]["content"]["application/json"]["examples"]


def push_examples(schema: dict) -> list[tuple[str, dict]]:
    """(scheduler_id, body) of each push example, the scheduler as its summary names it."""
    found = []
    for example in request_examples(schema, PUSH, "post").values():
        [scheduler_id] = re.findall(r"scheduler_id `(\w+)`", example["summary"])
        found.append((scheduler_id, example["value"]))
    return found


def resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node or "allOf" in node:
        node = node["allOf"][0] if "allOf" in node else schema["components"]["schemas"][node["$ref"].split("/")[-1]]
    return node


def required_paths(schema: dict, component: str, data: dict, prefix: str = "data") -> list[str]:
    """Every field the component requires, as a dotted path into an example's `data`, nested objects too."""
    node = resolve(schema, {"$ref": f"#/components/schemas/{component}"})
    return list(_required(schema, node, data, prefix))


def _required(schema: dict, node: dict, value: dict, prefix: str):
    for name in node.get("required", []):
        yield f"{prefix}.{name}"
        child = resolve(schema, node["properties"][name])
        if child.get("type") == "object" and "properties" in child:
            yield from _required(schema, child, value[name], f"{prefix}.{name}")


def only_required(schema: dict, node: dict, value: dict) -> dict:
    kept = {}
    for name in node.get("required", []):
        child = resolve(schema, node["properties"][name])
        nested = child.get("type") == "object" and "properties" in child
        kept[name] = only_required(schema, child, value[name]) if nested else value[name]
    return kept


def without(body: dict, dotted: str) -> dict:
    body = copy.deepcopy(body)
    *parents, last = dotted.split(".")
    node = body
    for part in parents:
        node = node[part]
    del node[last]
    return body


def test_there_is_an_example_for_each_task_type(schema):
    assert sorted(scheduler_id for scheduler_id, _ in push_examples(schema)) == ["boefje", "normalizer", "report"]


def test_the_schedulers_path_parameter_offers_the_scheduler_the_first_example_fits(schema):
    [parameter] = [p for p in schema["paths"][PUSH]["post"]["parameters"] if p["name"] == "scheduler_id"]
    first_value = next(iter(parameter["examples"].values()))["value"]
    assert first_value == push_examples(schema)[0][0]


def test_each_push_example_is_queued_popped_run_and_completed_as_it_stands(schema, worker_api):
    running, completed = (
        example["value"]
        for example in request_examples(schema, TASK, "patch").values()
        if "reason" not in example["value"]
    )
    pop_body = next(iter(request_examples(schema, POP, "post").values()))["value"]
    for scheduler_id, body in push_examples(schema):
        pushed = worker_api.post(PUSH.format(scheduler_id=scheduler_id), body, format="json")
        assert pushed.status_code == 201, pushed.json()
        assert pushed.json()["type"] == scheduler_id

        popped = worker_api.post(POP.format(scheduler_id=scheduler_id), pop_body, format="json")
        assert [task["id"] for task in popped.json()["results"]] == [pushed.json()["id"]]

        task = TASK.format(task_id=pushed.json()["id"])
        assert worker_api.patch(task, running, format="json").json()["status"] == "running"
        assert worker_api.patch(task, completed, format="json").json()["status"] == "completed"


@pytest.mark.parametrize("scheduler_id", DATA_SCHEMAS)
def test_each_field_the_data_schema_requires_is_one_the_push_refuses_to_go_without(schema, worker_api, scheduler_id):
    body = dict(push_examples(schema))[scheduler_id]
    body = {"organisation": body["organisation"], "data": body["data"]}
    paths = required_paths(schema, DATA_SCHEMAS[scheduler_id], body["data"])
    assert paths, "the schema marks nothing required"
    for dotted in paths:
        response = worker_api.post(PUSH.format(scheduler_id=scheduler_id), without(body, dotted), format="json")
        assert response.status_code == 400, dotted
        assert response.json()["field"] == dotted


@pytest.mark.parametrize("scheduler_id", DATA_SCHEMAS)
def test_the_data_schemas_required_fields_alone_are_enough(schema, worker_api, scheduler_id):
    body = dict(push_examples(schema))[scheduler_id]
    component = resolve(schema, {"$ref": f"#/components/schemas/{DATA_SCHEMAS[scheduler_id]}"})
    minimal = {"organisation": body["organisation"], "data": only_required(schema, component, body["data"])}
    response = worker_api.post(PUSH.format(scheduler_id=scheduler_id), minimal, format="json")
    assert response.status_code == 201, response.json()


def test_task_data_is_one_of_the_three_shapes_on_push_and_in_answers(schema):
    components = schema["components"]["schemas"]
    shapes = [ref["$ref"].split("/")[-1] for ref in components["TaskData"]["oneOf"]]
    assert shapes == ["BoefjeTask", "NormalizerTask", "ReportTask"]
    for component in ("Push", "Task"):
        assert resolve(schema, components[component]["properties"]["data"]) is components["TaskData"]


def view_docstrings() -> set[str]:
    classes = {SchedulerApiView, *(pattern.callback.view_class for pattern in urlpatterns)}
    return {" ".join(cls.__doc__.split()) for cls in classes if cls.__doc__}


def test_every_operation_is_described_for_its_caller_not_by_its_code(schema):
    internal = view_docstrings()
    for path, method, operation in operations(schema):
        where = f"{method.upper()} {path}"
        assert operation.get("summary"), where
        description = " ".join(operation.get("description", "").split())
        assert len(description) > 40, where
        assert description not in internal, where


def test_every_operation_that_needs_a_token_lists_its_errors_with_a_detail(schema):
    components = schema["components"]["schemas"]
    assert components["Error"]["required"] == ["detail"]
    public = {f"{PREFIX}/", f"{PREFIX}/health"}
    for path, method, operation in operations(schema):
        where = f"{method.upper()} {path}"
        codes = {int(code) for code in operation["responses"] if code.startswith("4")}
        if path in public:
            continue
        assert {401, 403} <= codes, where
        if "requestBody" in operation:
            assert {400, 413} <= codes, where
        if "{" in path:
            assert 404 in codes, where
        for code in codes:
            response = operation["responses"][str(code)]
            assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}, where
            assert response["description"], where
    assert {"409", "429"} <= set(schema["paths"][PUSH]["post"]["responses"])


def error_example(schema: dict, code: int) -> dict:
    response = schema["paths"][PUSH]["post"]["responses"][str(code)]
    return next(iter(response["content"]["application/json"]["examples"].values()))["value"]


def test_the_push_error_examples_are_what_the_api_answers(schema, worker_api):
    body = dict(push_examples(schema))["boefje"]

    unknown = worker_api.post(PUSH.format(scheduler_id="nope"), body, format="json")
    assert (unknown.status_code, unknown.json()) == (404, error_example(schema, 404))

    invalid = worker_api.post(PUSH.format(scheduler_id="boefje"), without(body, "data.boefje.id"), format="json")
    assert (invalid.status_code, invalid.json()) == (400, error_example(schema, 400))

    assert worker_api.post(PUSH.format(scheduler_id="boefje"), body, format="json").status_code == 201
    duplicate = worker_api.post(PUSH.format(scheduler_id="boefje"), body, format="json")
    assert (duplicate.status_code, duplicate.json()) == (409, error_example(schema, 409))
