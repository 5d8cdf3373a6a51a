"""docker-compose.yml: valid against the Compose specification's JSON schema, and shaped as we need it.

No Docker engine runs where the tests run, so `docker compose config` is not available; the schema
(copied unchanged from compose-spec/compose-spec, see shared/reference/compose/SOURCE.md) stands in.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
SHARED = REPO_ROOT.parent / "shared"
SCHEMA_FILE = SHARED / "reference" / "compose" / "compose-spec.json"

OUR_SERVICES = ("api", "worker")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict), "docker-compose.yml must be a mapping"
    return data


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    if not SHARED.is_dir():
        pytest.skip(f"shared folder not found at {SHARED}: the Compose JSON schema lives there")
    if not SCHEMA_FILE.is_file():
        pytest.skip(f"Compose JSON schema not found at {SCHEMA_FILE}")
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    # Use the draft the schema declares ("$schema"), Draft 7 if it declares none.
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _errors(validator: jsonschema.protocols.Validator, document: Any) -> list[str]:
    return [
        f"{'/'.join(str(p) for p in err.absolute_path) or '<root>'}: {err.message}"
        for err in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    ]


def _environment(service: dict[str, Any]) -> dict[str, str | None]:
    """A service's environment as a mapping, whichever of the two spellings the file uses."""
    env = service.get("environment") or {}
    if isinstance(env, dict):
        return {k: (None if v is None else str(v)) for k, v in env.items()}
    out: dict[str, str | None] = {}
    for item in env:
        key, sep, value = str(item).partition("=")
        out[key] = value if sep else None
    return out


def _depends_on(service: dict[str, Any]) -> dict[str, dict[str, Any]]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return {name: {"condition": "service_started"} for name in deps}
    return {name: (spec or {}) for name, spec in deps.items()}


# --- schema -------------------------------------------------------------------------------------


def test_compose_file_is_valid_against_the_compose_spec(compose, validator):
    errors = _errors(validator, compose)
    assert not errors, "docker-compose.yml does not follow the Compose specification:\n" + "\n".join(errors)


@pytest.mark.parametrize(
    ("what", "breakage"),
    [
        ("ports as a mapping", lambda d: d["services"]["api"].__setitem__("ports", {"8000": 8000})),
        ("unknown top-level key", lambda d: d.__setitem__("servicez", {})),
        ("unknown service key", lambda d: d["services"]["worker"].__setitem__("replica", 3)),
        ("unquoted restart: no (a YAML boolean)", lambda d: d["services"]["api"].__setitem__("restart", False)),
        (
            "bad depends_on condition",
            lambda d: d["services"]["worker"]["depends_on"].__setitem__("redis", {"condition": "service_ready"}),
        ),
    ],
)
def test_the_validator_rejects_a_broken_copy(compose, validator, what, breakage):
    broken = copy.deepcopy(compose)
    breakage(broken)
    assert _errors(validator, broken), f"the schema accepted a compose file with {what}"


# --- what bokbro needs -------------------------------------------------------------------------


def test_services_exist(compose):
    services = compose.get("services") or {}
    for name in ("api", "worker", "postgres", "redis"):
        assert name in services, f"service {name!r} is missing"


@pytest.mark.parametrize("name", OUR_SERVICES)
def test_api_and_worker_get_database_and_redis(compose, name):
    service = compose["services"][name]
    env = _environment(service)
    assert env.get("DATABASE_URL") == "postgresql+asyncpg://bokbro:bokbro@postgres:5432/bokbro"
    assert env.get("REDIS_URL") == "redis://redis:6379/0"
    # Secrets come from the environment and are required (compose refuses to start without them).
    for key in ("BOKBRO_SECRET_KEY", "BOKBRO_BOOTSTRAP_TOKEN"):
        assert (env.get(key) or "").startswith("${" + key + ":?"), f"{name}: {key} must be ${{{key}:?message}}"
    assert env.get("BOKBRO_PUBLIC_URL") == "${BOKBRO_PUBLIC_URL:-http://localhost:8000}"
    assert "build" in service, f"{name} must be built from the repository's Dockerfile"


def test_worker_can_be_scaled(compose):
    worker = compose["services"]["worker"]
    assert "container_name" not in worker, "a container_name stops `--scale worker=N`"
    assert not worker.get("ports"), "published ports on the worker stop `--scale worker=N`"
    assert "worker" in " ".join(map(str, worker.get("command") or [])), "the worker must run `bokbro worker`"


def test_api_serves_on_8000_with_a_healthcheck(compose):
    api = compose["services"]["api"]
    command = api.get("command")
    command = command if isinstance(command, list) else str(command).split()
    assert command[:2] == ["bokbro", "serve"]
    assert "0.0.0.0" in command and "8000" in command
    assert any(str(p).endswith(":8000") or str(p) == "8000" for p in api.get("ports") or [])
    test = api["healthcheck"]["test"]
    assert "http://localhost:8000/healthz" in (test if isinstance(test, str) else " ".join(test))


def test_every_depends_on_target_exists(compose):
    services = compose["services"]
    for name, service in services.items():
        for target in _depends_on(service):
            assert target in services, f"{name} depends on {target!r}, which is not a service"


def test_start_order(compose):
    services = compose["services"]
    for name in OUR_SERVICES:
        deps = _depends_on(services[name])
        for backing in ("postgres", "redis"):
            assert deps.get(backing, {}).get("condition") == "service_healthy", f"{name} must wait for {backing}"
        if "migrate" in services:
            assert deps.get("migrate", {}).get("condition") == "service_completed_successfully"
        assert services[name].get("restart") in {"always", "unless-stopped", "on-failure"}
    if "migrate" in services:
        assert "migrate" in " ".join(map(str, services["migrate"].get("command") or []))


def test_postgres_and_redis_have_healthchecks(compose):
    services = compose["services"]
    pg = services["postgres"]
    assert str(pg["image"]).startswith("postgres:16")
    assert "pg_isready" in " ".join(pg["healthcheck"]["test"])
    assert any(str(v).split(":")[0] in (compose.get("volumes") or {}) for v in pg.get("volumes") or []), (
        "postgres must keep its data in a named volume"
    )
    redis = services["redis"]
    assert str(redis["image"]).startswith("redis:7")
    assert "redis-cli ping" in " ".join(redis["healthcheck"]["test"]) or redis["healthcheck"]["test"][-2:] == [
        "redis-cli",
        "ping",
    ]
