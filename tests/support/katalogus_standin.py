"""A stand-in KATalogus: the routes and shapes of boefjes/boefjes/katalogus/{root,organisations,plugins}.py
that OpenKAT's scheduler reads (mula/scheduler/clients/http/external/katalogus.py)."""

from tests.support.openkat_data import OpenKATData, openkat_data
from tests.support.standin_server import StandInServer, health, not_found

PREFIX = "/v1/organisations"


class KATalogusStandIn(StandInServer):
    name = "katalogus"

    def __init__(self, data: OpenKATData | None = None) -> None:
        super().__init__()
        data = data or openkat_data()
        # Copies: tests enable and disable plugins without touching the shared generated data.
        self.organisations = dict(data.organisations)
        self.plugins = [dict(plugin) for plugin in data.plugins]
        self.enabled = {code: set(ids) for code, ids in data.enabled.items()}

    def set_enabled(self, organisation: str, plugin_id: str, enabled: bool) -> None:
        (self.enabled[organisation].add if enabled else self.enabled[organisation].discard)(plugin_id)

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, object]:
        if path == "/health":
            return health("katalogus")
        if path == "/v1/configs":
            return 200, self._configs(query)
        if path == PREFIX:
            return 200, {code: self._organisation(code) for code in self.organisations}
        if not path.startswith(PREFIX + "/"):
            return not_found("Not Found")
        code, _, rest = path[len(PREFIX) + 1 :].partition("/")
        if code not in self.organisations:
            return not_found("Unknown organisation")
        if rest == "":
            return 200, self._organisation(code)
        if rest == "plugins":
            return 200, self._plugins(code, query)
        if rest.startswith("plugins/"):
            plugin_id = rest[len("plugins/") :]
            for plugin in self._plugins(code, {}):
                if plugin["id"] == plugin_id:
                    return 200, plugin
            return not_found("Plugin not found")
        return not_found("Not Found")

    def _organisation(self, code: str) -> dict:
        return {"id": code, "name": self.organisations[code], "deduplicate": True}

    def _plugins(self, code: str, query: dict[str, list[str]]) -> list[dict]:
        """GET /v1/organisations/{id}/plugins with its filters: plugin_type, state, ids, consumes, produces,
        offset and limit (boefjes/boefjes/dependencies/plugins.py get_plugins_filter_parameters)."""
        plugins = [plugin | {"enabled": plugin.get("id") in self.enabled[code]} for plugin in self.plugins]
        if "ids" in query:
            plugins = [plugin for plugin in plugins if plugin["id"] in query["ids"]]
        if "plugin_type" in query:
            plugins = [plugin for plugin in plugins if plugin["type"] == query["plugin_type"][0]]
        if "state" in query:
            state = query["state"][0].lower() == "true"
            plugins = [plugin for plugin in plugins if plugin["enabled"] is state]
        for key in ("consumes", "produces"):
            if key in query:
                plugins = [plugin for plugin in plugins if set(query[key]) & set(plugin[key])]
        offset = int(query.get("offset", ["0"])[0])
        limit = query.get("limit")
        return plugins[offset : offset + int(limit[0])] if limit else plugins[offset:]

    def _configs(self, query: dict[str, list[str]]) -> list[dict]:
        """GET /v1/configs (boefjes/boefjes/katalogus/configs.py): a BoefjeConfig per organisation and
        boefje it was configured for; here every enabled plugin has one, with empty settings."""
        configs = [
            {"id": number, "settings": {}, "enabled": True, "boefje_id": plugin_id, "organisation_id": code}
            for number, (code, plugin_id) in enumerate(
                sorted((code, plugin_id) for code, ids in self.enabled.items() for plugin_id in ids), start=1
            )
        ]
        for key in ("organisation_id", "boefje_id"):
            if key in query:
                configs = [config for config in configs if config[key] == query[key][0]]
        if "enabled" in query and query["enabled"][0].lower() != "true":
            configs = []
        with_duplicates = query.get("with_duplicates", ["false"])[0].lower() == "true"
        for config in configs:
            # Duplicates: the same boefje, enabled with the same settings, in other organisations.
            config["duplicates"] = (
                [
                    {**other, "duplicates": []}
                    for other in self._configs({"boefje_id": [config["boefje_id"]]})
                    if other["organisation_id"] != config["organisation_id"]
                ]
                if with_duplicates
                else []
            )
        return configs
