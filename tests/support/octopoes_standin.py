"""A stand-in Octopoes: the routes and shapes of octopoes/octopoes/api/{api,router,bulk_router}.py that
OpenKAT's scheduler reads (mula/scheduler/clients/http/external/octopoes.py)."""

from tests.support.openkat_data import OpenKATData, octopoes_object, openkat_data
from tests.support.standin_server import StandInServer, health, not_found, unprocessable

LEVELS = ["0", "1", "2", "3", "4"]


def _level(ooi: dict) -> int:
    return (ooi["scan_profile"] or {}).get("level", 0)


class OctopoesStandIn(StandInServer):
    name = "octopoes"

    def __init__(self, data: OpenKATData | None = None) -> None:
        super().__init__()
        data = data or openkat_data()
        # Copies: tests add and delete objects without touching the shared generated data.
        self.objects = {code: dict(objects) for code, objects in data.objects.items()}

    def put(self, organisation: str, primary_key: str, object_type: str, level: int | None) -> None:
        self.objects.setdefault(organisation, {})[primary_key] = octopoes_object(primary_key, object_type, level)

    def delete(self, organisation: str, primary_key: str) -> None:
        self.objects[organisation].pop(primary_key, None)

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, object]:
        if path == "/health":
            return health("octopoes")
        if "valid_time" not in query and not path.endswith("/health"):
            return unprocessable("valid_time")
        if path == "/object-clients":
            reference = query.get("reference", [""])[0]
            clients = query.get("clients", [])
            return 200, {
                client: self.objects[client][reference]
                for client in clients
                if reference in self.objects.get(client, {})
            }
        client, _, route = path.lstrip("/").partition("/")
        if client not in self.objects:
            return not_found("Node not found")
        if route == "health":
            return health("octopoes")
        if route == "object":
            reference = query.get("reference", [""])[0]
            ooi = self.objects[client].get(reference)
            return (200, ooi) if ooi else not_found(f"Object not found: {reference}")
        if route == "objects":
            return 200, self._list(client, query)
        return not_found("Not Found")

    def _list(self, client: str, query: dict[str, list[str]]) -> dict:
        """GET /{client}/objects: types (default every type), scan_level (default every level), offset,
        limit (default 20), ordered by object type as Octopoes' default order_by."""
        types = set(query.get("types", ["OOI"]))
        levels = {int(level) for level in query.get("scan_level", LEVELS)}
        matching = sorted(
            (
                ooi
                for ooi in self.objects[client].values()
                if ("OOI" in types or ooi["object_type"] in types) and _level(ooi) in levels
            ),
            key=lambda ooi: (ooi["object_type"], ooi["primary_key"]),
        )
        offset = int(query.get("offset", ["0"])[0])
        limit = int(query.get("limit", ["20"])[0])
        return {"count": len(matching), "items": matching[offset : offset + limit]}
