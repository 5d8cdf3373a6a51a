"""Conformance harness: every request a connector sends and every response it gets, checked against the API's
published OpenAPI document.

How it works
------------
``ConformanceRecorder(profile, api_base)`` hands out an ``httpx.AsyncClient`` (or the ``event_hooks`` for one)
that sees every real exchange on the wire. Each request under ``api_base`` (e.g.
``http://127.0.0.1:PORT/sandbox/tripletex/v2``) is mapped onto the spec's server (``https://tripletex.no/v2``):
the rest of its path is matched against the spec's path templates by our own matcher (literal segments such as
``:invoice`` or ``>whoAmI`` are compared literally; with several matches the most concrete template wins), and
openapi-core then validates

- the request: path parameters, query parameters, security, body (against the operation's request schema), and
- the response: status code documented, content type, body (against the schema of that status).

On top of openapi-core the harness checks what it does not: a query parameter the operation does not declare,
a body on an operation that takes none, a response body where the spec documents none, and (Tripletex) field
names in the ``fields`` filter that the response object does not have. Every failure is kept with the operation
id (else ``METHOD /template``) and a readable reason; ``assert_conforms()`` raises ``ConformanceError`` listing
them. ``operations()`` tells which operations (and statuses) a run covered.

Strictness: objects are closed (``additionalProperties`` omitted counts as ``false``): an unknown property in a
request or a response is a failure — Tripletex refuses unknown request fields (code 16000), eAccounting's spec
says ``additionalProperties: false`` itself. In OpenAPI 3.0 documents requests may not carry ``readOnly``
properties and responses may not carry ``writeOnly`` ones (in 3.1 both are annotations only).

Reading rules (generic, not exceptions):
- Media types are compared on ``type/subtype``; parameters are ignored (RFC 9110 §8.3.1) — the Tripletex spec
  writes request bodies as ``application/json; charset=utf-8`` and ``charset`` has no meaning for JSON
  (RFC 8259 §11).
- A ``204`` carries no content (RFC 9110 §15.3.5) even where the spec lists ``application/json`` for it; the
  harness checks that the body is empty instead.
- When a profile names an ``error_schema`` (Tripletex documents its error envelope once, in ``info.description``,
  and as ``#/components/schemas/ApiError``), a 4xx/5xx status an operation does not list is validated against
  that schema; an undocumented 2xx is always a failure.

Where the published spec is wrong about what the real API does, a profile carries explicit ``Amendment``s (an
allow-list): each changes one named place of our in-memory copy of the spec, says why, and fails loudly if that
place is no longer in the spec. Nothing is loosened globally.

Adding an API is a profile: the spec file, the error schema (if any), its amendments and format rules (see
``TRIPLETEX`` and ``EACCOUNTING`` at the end). The spec is loaded and amended once per process (``load``).
"""

from __future__ import annotations

import copy
import json
import re
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.datatypes import TemplateResult
from openapi_core.templating.paths.datatypes import PathOperationServer
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound, ServerNotFound
from openapi_core.validation.request.exceptions import ParameterValidationError
from werkzeug.datastructures import Headers, ImmutableMultiDict

from backend.connectors.base import redact, redact_url

REFERENCE = Path("/work/shared/reference")
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
Spec = dict[str, Any]


# ---------------------------------------------------------------------------------------------------------
# profiles and the allow-list
# ---------------------------------------------------------------------------------------------------------


class AmendmentError(RuntimeError):
    """An allow-list entry no longer fits the spec (the spec changed): look at the entry again."""


@dataclass(frozen=True)
class Amendment:
    """One explicit correction of the published spec, applied to our copy before anything is validated."""

    what: str  # the place and the change, e.g. "ApiError.validationMessages: may be null"
    why: str  # the evidence that the real API does this
    apply: Callable[[Spec], None] = field(repr=False, compare=False)


def _schema(spec: Spec, name: str) -> dict[str, Any]:
    try:
        return spec["components"]["schemas"][name]  # type: ignore[no-any-return]
    except KeyError as exc:
        raise AmendmentError(f"no schema {name!r} in the spec") from exc


def _operation(spec: Spec, path: str, method: str) -> dict[str, Any]:
    try:
        return spec["paths"][path][method.lower()]  # type: ignore[no-any-return]
    except KeyError as exc:
        raise AmendmentError(f"no operation {method.upper()} {path} in the spec") from exc


def _null_of(spec: Spec, prop: dict[str, Any]) -> dict[str, Any]:
    """``prop`` that also accepts null, in the spec's own dialect."""
    if str(spec.get("openapi", "")).startswith("3.0"):
        if "$ref" in prop or "type" not in prop:
            return {"anyOf": [prop, {"type": "object", "nullable": True, "enum": [None]}]}
        return {**prop, "nullable": True}
    return {"anyOf": [prop, {"type": "null"}]}


def nullable(schema: str, prop: str, *, why: str) -> Amendment:
    """``schema.prop`` may be ``null`` (the spec does not say so, the real API sends it)."""

    def apply(spec: Spec) -> None:
        props = _schema(spec, schema).get("properties") or {}
        if prop not in props:
            raise AmendmentError(f"{schema} has no property {prop!r}")
        props[prop] = _null_of(spec, props[prop])

    return Amendment(f"{schema}.{prop}: may be null", why, apply)


def nullable_everywhere(schema_prefix: str, prop: str, *, why: str) -> Amendment:
    """``prop`` may be ``null`` in every schema whose name starts with ``schema_prefix``."""

    def apply(spec: Spec) -> None:
        hits = 0
        for name, schema in spec["components"]["schemas"].items():
            props = schema.get("properties") or {}
            if name.startswith(schema_prefix) and prop in props:
                props[prop] = _null_of(spec, props[prop])
                hits += 1
        if not hits:
            raise AmendmentError(f"no {schema_prefix}* schema has a property {prop!r}")

    return Amendment(f"{schema_prefix}*.{prop}: may be null", why, apply)


def null_references(*schemas: str, why: str) -> Amendment:
    """In each of ``schemas``, a property that refers to another object (a ``$ref``) may be ``null``. Scalars,
    lists and every other schema stay as the spec says."""

    def apply(spec: Spec) -> None:
        for name in schemas:
            props = _schema(spec, name).get("properties") or {}
            refs = [p for p, s in props.items() if isinstance(s, dict) and "$ref" in s]
            if not refs:
                raise AmendmentError(f"{name} has no object references")
            for p in refs:
                props[p] = _null_of(spec, props[p])

    return Amendment(f"object references in {', '.join(schemas)}: may be null", why, apply)


def extra_response(path: str, method: str, status: int, schema: str | None, *, why: str) -> Amendment:
    """The operation also answers ``status`` (with ``schema`` as JSON body, or no body)."""

    def apply(spec: Spec) -> None:
        op = _operation(spec, path, method)
        if str(status) in op["responses"]:
            raise AmendmentError(f"{method.upper()} {path} already documents {status}: drop the amendment")
        response: dict[str, Any] = {"description": f"undocumented: {why}"}
        if schema is not None:
            response["content"] = {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}
        op["responses"][str(status)] = response

    return Amendment(f"{method.upper()} {path}: may answer {status}", why, apply)


def response_everywhere(status: int, *, like: tuple[str, str], why: str) -> Amendment:
    """Every operation that does not document ``status`` answers it as the operation ``like`` documents it."""

    def apply(spec: Spec) -> None:
        model = _operation(spec, *like)["responses"].get(str(status))
        if model is None:
            raise AmendmentError(f"{like[1].upper()} {like[0]} does not document {status}")
        for path_item in spec["paths"].values():
            for method in HTTP_METHODS:
                op = path_item.get(method)
                if isinstance(op, dict):
                    op.setdefault("responses", {}).setdefault(str(status), copy.deepcopy(model))

    return Amendment(f"every operation: may answer {status} as {like[1].upper()} {like[0]} documents it", why, apply)


def response_body(status: int, schema: str, *, why: str) -> Amendment:
    """Where an operation documents ``status`` without a body, the body is ``schema`` (JSON)."""

    def apply(spec: Spec) -> None:
        _schema(spec, schema)
        hits = 0
        for path_item in spec["paths"].values():
            for method in HTTP_METHODS:
                response = ((path_item.get(method) or {}).get("responses") or {}).get(str(status))
                if isinstance(response, dict) and not response.get("content"):
                    response["content"] = {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}
                    hits += 1
        if not hits:
            raise AmendmentError(f"no operation documents {status} without a body")

    return Amendment(f"documented {status} responses: body {schema}", why, apply)


def writable_schema(schema: str, *, why: str) -> Amendment:
    """Drop a ``readOnly`` flag from the component schema itself (its properties keep theirs)."""

    def apply(spec: Spec) -> None:
        if _schema(spec, schema).pop("readOnly", None) is not True:
            raise AmendmentError(f"{schema} is not marked readOnly as a whole: drop the amendment")

    return Amendment(f"{schema}: not read-only as a whole", why, apply)


def parameter_default(name: str, value: Any, *, why: str) -> Amendment:
    """Every parameter ``name`` whose ``default`` is the string form of ``value`` gets ``value`` as its default
    (openapi-core validates the default of an absent parameter against the parameter's schema)."""

    def apply(spec: Spec) -> None:
        hits = 0
        for path_item in spec["paths"].values():
            for method in HTTP_METHODS:
                for param in (path_item.get(method) or {}).get("parameters") or []:
                    schema = param.get("schema") or {}
                    if param.get("name") == name and schema.get("default") == str(value):
                        schema["default"] = value
                        hits += 1
        if not hits:
            raise AmendmentError(f"no parameter {name!r} with default {str(value)!r}")

    return Amendment(f"parameter {name}: default {value!r}, not {str(value)!r}", why, apply)


def list_query_parameters(schema_prefix: str, params: Mapping[str, dict[str, Any]], *, why: str) -> Amendment:
    """Declare ``params`` (name → schema) on every GET whose 200 answer is a ``schema_prefix*`` list."""

    def apply(spec: Spec) -> None:
        hits = 0
        for path_item in spec["paths"].values():
            op = path_item.get("get")
            ok = ((op or {}).get("responses") or {}).get("200") or {}
            ref = str((((ok.get("content") or {}).get("application/json") or {}).get("schema") or {}).get("$ref"))
            if not ref.rsplit("/", 1)[-1].startswith(schema_prefix):
                continue
            declared = {p.get("name") for p in op.get("parameters") or []}
            op.setdefault("parameters", []).extend(
                {"name": n, "in": "query", "required": False, "schema": dict(schema)}
                for n, schema in params.items() if n not in declared)
            hits += 1
        if not hits:
            raise AmendmentError(f"no GET answers a {schema_prefix}* list")

    return Amendment(f"GET of {schema_prefix}* lists: query parameters {', '.join(params)}", why, apply)


@dataclass(frozen=True)
class FormatRule:
    """How the API really writes values of a ``format``, where the spec's format (JSON Schema's) is stricter."""

    format: str
    check: Callable[[Any], bool] = field(repr=False, compare=False)
    why: str = ""


_LOCAL_DATE_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d{1,7})?(Z|[+-]\d{2}:\d{2})?")


def iso_date_time_zone_optional(value: Any) -> bool:
    """ISO 8601 date-time whose zone may be missing (``2025-03-10T00:00:00``), as .NET writes ``DateTime``."""
    if not isinstance(value, str):
        return True
    m = _LOCAL_DATE_TIME.fullmatch(value)
    if m is None:
        return False
    try:
        datetime.fromisoformat(f"{m.group(1)}T{m.group(2)}")
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class ApiProfile:
    """What the harness needs to know about one external API."""

    name: str
    spec_file: Path
    # Component schema of the API's error body, used for 4xx/5xx statuses an operation does not list (None: an
    # undocumented error status is a failure like any other).
    error_schema: str | None = None
    # Name of the query parameter that selects response fields with Tripletex's pattern syntax (``a,b(c,*)``).
    fields_param: str | None = None
    amendments: tuple[Amendment, ...] = ()
    formats: tuple[FormatRule, ...] = ()
    strict_objects: bool = True


# ---------------------------------------------------------------------------------------------------------
# loading (once per profile and process)
# ---------------------------------------------------------------------------------------------------------


@dataclass
class Route:
    template: str
    regex: re.Pattern[str]
    rank: tuple[int, tuple[int, ...]]  # fewer parameters, then literal segments earlier: more concrete


@dataclass
class LoadedSpec:
    profile: ApiProfile
    spec: Spec  # the amended copy
    openapi: OpenAPI
    server_host: str  # https://tripletex.no
    server_path: str  # /v2
    routes: dict[int, list[Route]]  # by number of path segments

    def match(self, path: str, method: str | None = None) -> tuple[str, dict[str, str]] | None:
        """The spec template of ``path`` (the most concrete one) and its path parameters. When templates differ
        only in parameter names (eAccounting has ``/customerinvoicedrafts/{invoiceDraftId}`` for GET and
        ``.../{customerInvoiceDraftId}`` for PUT and DELETE), the one that has ``method`` wins."""
        found = [(route, m) for route in self.routes.get(_segments(path), [])
                 if (m := route.regex.fullmatch(path)) is not None]
        if not found:
            return None
        top = min(route.rank for route, _ in found)
        best = [(route, m) for route, m in found if route.rank == top]
        if method is not None:
            best = [b for b in best if self.operation(b[0].template, method)] or best
        route, m = best[0]
        names = re.findall(r"{([^}/]+)}", route.template)
        return route.template, {n: m.group(f"p{i}") for i, n in enumerate(names)}

    def operation(self, template: str, method: str) -> dict[str, Any] | None:
        return self.spec["paths"].get(template, {}).get(method.lower())  # type: ignore[no-any-return]

    def resolve(self, schema: Any) -> Any:
        seen = 0
        while isinstance(schema, dict) and "$ref" in schema and seen < 50:
            ref = str(schema["$ref"])
            if not ref.startswith("#/"):
                return schema
            node: Any = self.spec
            for part in ref[2:].split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            schema, seen = node, seen + 1
        return schema


def _segments(path: str) -> int:
    return path.strip("/").count("/") + 1


def _compile(template: str) -> Route:
    parts = re.split(r"({[^}/]+})", template)
    regex, index = [], 0
    for part in parts:
        if part.startswith("{") and part.endswith("}"):
            regex.append(f"(?P<p{index}>[^/]+)")
            index += 1
        else:
            regex.append(re.escape(part))
    literal = tuple(0 if "{" not in seg else 1 for seg in template.strip("/").split("/"))
    return Route(template, re.compile("".join(regex)), (index, literal))


def _normalise(spec: Spec, profile: ApiProfile) -> None:
    """The generic reading rules of the module docstring, applied to every operation."""
    for path_item in spec["paths"].values():
        for method in HTTP_METHODS:
            op = path_item.get(method)
            if not isinstance(op, dict):
                continue
            responses = op.setdefault("responses", {})
            no_content = responses.get("204")
            if isinstance(no_content, dict):
                no_content.pop("content", None)
            if profile.error_schema is not None:
                error = {"description": "the API's error envelope",
                         "content": {"application/json": {
                             "schema": {"$ref": f"#/components/schemas/{profile.error_schema}"}}}}
                for status_range in ("4XX", "5XX"):
                    if status_range not in responses and "default" not in responses:
                        responses[status_range] = copy.deepcopy(error)


class _TemplatePathFinder:
    """openapi-core's path finder, for requests whose ``path_pattern`` is already the spec's template.

    Our own matcher chose the template (``LoadedSpec.match``), so this only looks it up: openapi-core's finder
    would try all paths of the spec by suffix and regex on every call (slow with Tripletex's 560 paths).
    """

    def __init__(self, spec: Any, base_url: str | None = None) -> None:
        self.spec = spec
        self.server = next(iter(spec / "servers"))
        self.server_url = str((self.server / "url").read_value()).rstrip("/")

    def find(self, method: str, name: str) -> PathOperationServer:
        if not name.startswith(self.server_url):
            raise ServerNotFound(name)
        template = name[len(self.server_url):]
        paths = self.spec / "paths"
        if template not in paths:
            raise PathNotFound(name)
        path = paths / template
        if method not in path:
            raise OperationNotFound(name, method)
        return PathOperationServer(path, path / method, self.server, TemplateResult(template, {}),
                                   TemplateResult(self.server_url, {}))


class _CachedSchemaValidators:
    """Wraps openapi-core's schema-validator factory: one validator per schema, built once (openapi-core builds a
    new validator class on every call, which costs more than most validations)."""

    def __init__(self, factory: Any) -> None:
        self._factory = factory
        self._cache: dict[tuple[Any, ...], Any] = {}

    def create(self, spec: Any, schema: Any, format_validators: Any = None, extra_format_validators: Any = None,
               forbid_unspecified_additional_properties: bool = False,
               enforce_properties_required: bool = False) -> Any:
        key = (tuple(schema.parts), id(format_validators), id(extra_format_validators),
               forbid_unspecified_additional_properties, enforce_properties_required)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = self._factory.create(
                spec, schema, format_validators=format_validators, extra_format_validators=extra_format_validators,
                forbid_unspecified_additional_properties=forbid_unspecified_additional_properties,
                enforce_properties_required=enforce_properties_required)
        return hit


_LOADED: dict[str, LoadedSpec] = {}


def load(profile: ApiProfile) -> LoadedSpec:
    """The profile's spec, amended and ready: loaded once per process (about 0.2 s for Tripletex's 3.6 MB)."""
    cached = _LOADED.get(profile.name)
    if cached is not None and cached.profile is profile:
        return cached
    spec: Spec = json.loads(profile.spec_file.read_text(encoding="utf-8"))
    if profile.error_schema is not None:
        _schema(spec, profile.error_schema)
    for amendment in profile.amendments:
        amendment.apply(spec)
    _normalise(spec, profile)
    server = urlsplit(str(spec["servers"][0]["url"]))
    config = Config(spec_validator_cls=None,  # the published spec is taken as it is; checking it costs seconds
                    path_finder_cls=_TemplatePathFinder,  # type: ignore[arg-type]  # duck-typed: find()
                    extra_format_validators={rule.format: rule.check for rule in profile.formats} or None,
                    additional_properties_default_policy="forbid" if profile.strict_objects else "allow")
    openapi = OpenAPI.from_dict(spec, config=config)
    for validator in (openapi.request_validator, openapi.response_validator):
        core: Any = validator  # the validator classes have the attribute; their protocols do not say so
        core.schema_validators_factory = _CachedSchemaValidators(core.schema_validators_factory)
    routes: dict[int, list[Route]] = {}
    for template in spec["paths"]:
        routes.setdefault(_segments(template), []).append(_compile(template))
    loaded = LoadedSpec(profile=profile, spec=spec, openapi=openapi,
                        server_host=f"{server.scheme}://{server.netloc}", server_path=server.path.rstrip("/"),
                        routes=routes)
    _LOADED[profile.name] = loaded
    return loaded


# ---------------------------------------------------------------------------------------------------------
# httpx → openapi-core
# ---------------------------------------------------------------------------------------------------------


def _essence(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _spec_media_type(content: Mapping[str, Any] | None, content_type: str | None) -> str:
    """The key of ``content`` that names the same media type as ``content_type`` (parameters ignored)."""
    wanted = _essence(content_type)
    for key in content or {}:
        if _essence(key) == wanted:
            return str(key)
    return (content_type or "").lower()


@dataclass
class _CoreRequest:
    host_url: str
    path: str
    path_pattern: str
    method: str
    parameters: RequestParameters
    body: bytes | None
    content_type: str


@dataclass
class _CoreResponse:
    status_code: int
    data: bytes | None
    content_type: str
    headers: Headers


# ---------------------------------------------------------------------------------------------------------
# failures
# ---------------------------------------------------------------------------------------------------------


@dataclass
class Failure:
    api: str
    operation: str
    method: str
    url: str
    status: int | None
    where: str  # "request" or "response"
    reason: str

    def __str__(self) -> str:
        status = f" → {self.status}" if self.status is not None else ""
        return f"[{self.api}] {self.operation} ({self.method} {self.url}{status}) {self.where}: {self.reason}"


class ConformanceError(AssertionError):
    def __init__(self, failures: list[Failure]) -> None:
        self.failures = list(failures)
        lines = "\n".join(f"  - {f}" for f in failures)
        super().__init__(f"{len(failures)} exchange(s) do not conform to the published OpenAPI spec:\n{lines}")


def _short(value: str, limit: int = 240) -> str:
    return value if len(value) <= limit else value[:limit] + "…"


def _json_path(prefix: str, parts: Iterable[Any]) -> str:
    out = prefix
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def _schema_errors(exc: BaseException, prefix: str) -> list[str]:
    cause = exc.__cause__
    errors = list(getattr(cause, "schema_errors", None) or [])
    out = []
    for err in errors:
        out.extend(_describe(err, prefix))
    return out


def _describe(err: Any, prefix: str) -> list[str]:
    where = _json_path(prefix, err.absolute_path)
    if err.instance is None and err.validator in ("type", "nullable"):
        return [f"{where}: null, which the spec does not allow here"]
    if err.validator == "readOnly":
        return [f"{where}: read-only property sent in a request"]
    if err.validator == "writeOnly":
        return [f"{where}: write-only property returned in a response"]
    if err.validator in ("anyOf", "oneOf") and err.context:
        deepest = max(err.context, key=lambda e: len(list(e.absolute_path)))
        return _describe(deepest, prefix)
    return [f"{where}: {_short(str(err.message))}"]


def _explain(exc: BaseException, body_prefix: str) -> list[str]:
    """Readable reasons for one openapi-core error."""
    name = type(exc).__name__
    details = _schema_errors(exc, body_prefix)
    if name in ("InvalidRequestBody", "InvalidData") and details:
        return details
    if isinstance(exc, ParameterValidationError):
        param = f"{exc.location} parameter {exc.name!r}"
        cause = exc.__cause__
        inner = _schema_errors(exc, param) or [f"{param}: {type(cause or exc).__name__}: {cause or exc}"]
        return [_short(d) for d in inner]
    cause = exc.__cause__
    if cause is not None and str(cause):
        return [_short(f"{type(cause).__name__}: {cause}")]
    return [_short(f"{name}: {exc}")]


# ---------------------------------------------------------------------------------------------------------
# the recorder
# ---------------------------------------------------------------------------------------------------------


@dataclass
class CheckedExchange:
    """One request/response pair as the harness saw and judged it."""

    operation: str  # operationId, else "METHOD /template" (or "METHOD /path" when no template matches)
    template: str | None
    method: str
    url: str  # redacted
    status: int | None = None
    request_body: Any = None
    response_body: Any = None
    failures: list[Failure] = field(default_factory=list)


def _parse(body: bytes | None) -> Any:
    if not body:
        return None
    try:
        return redact(json.loads(body))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return body[:200].decode("utf-8", "replace")


class ConformanceRecorder:
    """Validates every exchange of the clients it hands out against ``profile``'s spec."""

    def __init__(self, profile: ApiProfile, api_base: str) -> None:
        self.profile = profile
        self.spec = load(profile)
        base = urlsplit(api_base.rstrip("/"))
        self._origin = (base.scheme, base.netloc)
        self._base_path = base.path
        self.exchanges: list[CheckedExchange] = []
        self._reported: set[int] = set()
        self._pending: weakref.WeakKeyDictionary[httpx.Request, CheckedExchange] = weakref.WeakKeyDictionary()

    # -- wiring --
    @property
    def event_hooks(self) -> dict[str, list[Callable[..., Any]]]:
        return {"request": [self._on_request], "response": [self._on_response]}

    def client(self, **kwargs: Any) -> httpx.AsyncClient:
        """An ``httpx.AsyncClient`` whose every exchange is checked (pass it to a connector as ``http=``)."""
        kwargs.setdefault("timeout", 30)
        return httpx.AsyncClient(event_hooks=self.event_hooks, **kwargs)

    # -- results --
    @property
    def failures(self) -> list[Failure]:
        return [f for ex in self.exchanges for f in ex.failures]

    def assert_conforms(self) -> None:
        """Raise ``ConformanceError`` for the failures not raised before (a fixture can call it again at
        teardown without repeating what a test already saw)."""
        failures = [f for f in self.failures if id(f) not in self._reported]
        self._reported.update(id(f) for f in failures)
        if failures:
            raise ConformanceError(failures)

    def operations(self) -> dict[str, set[int | None]]:
        """Operation → the statuses seen for it."""
        out: dict[str, set[int | None]] = {}
        for ex in self.exchanges:
            out.setdefault(ex.operation, set()).add(ex.status)
        return out

    def clear(self) -> None:
        self.exchanges.clear()
        self._reported.clear()

    # -- hooks --
    async def _on_request(self, request: httpx.Request) -> None:
        body = await request.aread()
        checked = self.check_request(request.method, request.url, request.headers, body)
        if checked is not None:
            self._pending[request] = checked

    async def _on_response(self, response: httpx.Response) -> None:
        checked = self._pending.pop(response.request, None)
        if checked is None:
            return
        await response.aread()
        self.check_response(checked, response.status_code, response.headers, response.content)

    # -- the checks (usable without httpx as well) --
    def _spec_path(self, url: httpx.URL) -> str | None:
        if (url.scheme, url.netloc.decode()) != self._origin:
            return None
        path = url.path
        if not path.startswith(self._base_path + "/"):
            return None
        return path[len(self._base_path):]

    def check_request(self, method: str, url: httpx.URL, headers: Mapping[str, str],
                      body: bytes | None) -> CheckedExchange | None:
        """Validate one request; ``None`` when it is not addressed to the API (e.g. a control endpoint)."""
        path = self._spec_path(url)
        if path is None:
            return None
        shown = redact_url(path + (f"?{url.query.decode('ascii', 'replace')}" if url.query else ""))
        matched = self.spec.match(path, method)
        template = matched[0] if matched else None
        op = self.spec.operation(template, method) if template else None
        label = str(op.get("operationId") or f"{method} {template}") if op else f"{method} {template or path}"
        checked = CheckedExchange(label, template, method, shown, request_body=_parse(body))
        self.exchanges.append(checked)

        def fail(reason: str) -> None:
            if all(f.reason != reason for f in checked.failures):
                checked.failures.append(Failure(self.profile.name, label, method, shown, None, "request", reason))

        if matched is None:
            fail(f"no path in the spec matches {path}")
            return checked
        if op is None:
            fail(f"the spec has no {method} for {template}")
            return checked
        assert template is not None
        params = matched[1]
        query = ImmutableMultiDict(list(url.params.multi_items()))
        content_type = headers.get("content-type")
        request_content = (op.get("requestBody") or {}).get("content")
        core = _CoreRequest(
            host_url=self.spec.server_host, path=self.spec.server_path + path,
            path_pattern=self.spec.server_path + template, method=method.lower(),
            parameters=RequestParameters(query=query, header=Headers(list(headers.items())), path=params),
            body=body or None, content_type=_spec_media_type(request_content, content_type) if body else "")
        for exc in self.spec.openapi.iter_apicall_request_errors(core):
            for reason in _explain(exc, "body"):
                fail(reason)
        declared = {p.get("name") for p in self._parameters(template, op) if p.get("in") == "query"}
        for name in dict.fromkeys(k for k, _ in url.params.multi_items()):
            if name not in declared:
                fail(f"query parameter {name!r} is not declared by the operation")
        if body and "requestBody" not in op:
            fail("the request has a body but the operation takes none")
        fields_param = self.profile.fields_param
        if fields_param and url.params.get(fields_param):
            for reason in self._check_fields(op, str(url.params.get(fields_param))):
                fail(reason)
        return checked

    def check_response(self, checked: CheckedExchange, status: int, headers: Mapping[str, str],
                       body: bytes | None) -> None:
        checked.status = status
        checked.response_body = _parse(body)

        def fail(reason: str) -> None:
            if all(f.reason != reason or f.where != "response" for f in checked.failures):
                checked.failures.append(Failure(self.profile.name, checked.operation, checked.method, checked.url,
                                                status, "response", reason))

        if checked.template is None:
            return
        op = self.spec.operation(checked.template, checked.method)
        if op is None:
            return
        responses = op.get("responses") or {}
        documented = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or responses.get("default")
        if body and documented is not None and not documented.get("content"):
            fail(f"a {status} response carries a body where the spec documents none")
        content_type = headers.get("content-type")
        core_request = _CoreRequest(
            host_url=self.spec.server_host, path=self.spec.server_path + checked.template,
            path_pattern=self.spec.server_path + checked.template, method=checked.method.lower(),
            parameters=RequestParameters(), body=None, content_type="")
        core_response = _CoreResponse(
            status_code=status, data=body or None,
            content_type=_spec_media_type((documented or {}).get("content"), content_type) if body else "",
            headers=Headers(list(headers.items())))
        for exc in self.spec.openapi.iter_apicall_response_errors(core_request, core_response):
            for reason in _explain(exc, "body"):
                fail(reason)

    # -- helpers --
    def _parameters(self, template: str, op: Mapping[str, Any]) -> list[dict[str, Any]]:
        item = self.spec.spec["paths"][template]
        return [self.spec.resolve(p) for p in [*(item.get("parameters") or []), *(op.get("parameters") or [])]]

    def _check_fields(self, op: Mapping[str, Any], pattern: str) -> list[str]:
        """Field names in a ``fields`` filter that the response object does not have."""
        target = self._response_object(op)
        if target is None:
            return []
        try:
            tree = _parse_fields(pattern)
        except ValueError as exc:
            return [f"fields {pattern!r}: {exc}"]
        out: list[str] = []
        self._walk_fields(tree, target, "", out)
        return [f"fields {pattern!r}: {m}" for m in out]

    def _response_object(self, op: Mapping[str, Any]) -> dict[str, Any] | None:
        for status in sorted(str(s) for s in (op.get("responses") or {})):
            if not status.startswith("2"):
                continue
            content = op["responses"][status].get("content") or {}
            for media in content.values():
                wrapper = self.spec.resolve((media or {}).get("schema"))
                props = (wrapper or {}).get("properties") or {}
                if "value" in props:
                    return self.spec.resolve(props["value"])  # type: ignore[no-any-return]
                if "values" in props:
                    return self.spec.resolve(self.spec.resolve(props["values"]).get("items"))  # type: ignore[no-any-return]
        return None

    def _walk_fields(self, tree: dict[str, Any], schema: Any, where: str, out: list[str]) -> None:
        schema = self.spec.resolve(schema)
        while isinstance(schema, dict) and schema.get("type") == "array":
            schema = self.spec.resolve(schema.get("items"))
        props = (schema or {}).get("properties")
        if props is None:
            return
        for name, sub in tree.items():
            if name == "*":
                continue
            if name not in props:
                out.append(f"{where}{name} is not a property of the response object")
            elif sub:
                self._walk_fields(sub, props[name], f"{where}{name}.", out)


def _parse_fields(pattern: str) -> dict[str, Any]:
    """``*,orderLines(*,vatType(id))`` → ``{"*": {}, "orderLines": {"*": {}, "vatType": {"id": {}}}}``."""
    pos = 0

    def level(depth: int) -> dict[str, Any]:
        nonlocal pos
        out: dict[str, Any] = {}
        name = ""
        while pos < len(pattern):
            ch = pattern[pos]
            pos += 1
            if ch == "(":
                out[name.strip()] = level(depth + 1)
                name = ""
            elif ch == ")":
                if depth == 0:
                    raise ValueError("unbalanced ')'")
                if name.strip():
                    out.setdefault(name.strip(), {})
                return out
            elif ch == ",":
                if name.strip():
                    out.setdefault(name.strip(), {})
                name = ""
            else:
                name += ch
        if depth:
            raise ValueError("unbalanced '('")
        if name.strip():
            out.setdefault(name.strip(), {})
        return out

    return level(0)


# ---------------------------------------------------------------------------------------------------------
# the APIs
# ---------------------------------------------------------------------------------------------------------

# Tripletex's spec is generated from its Java DTOs and never says ``nullable``; the real API (Jackson with nulls
# included) sends ``null`` for what is not set. Only the places below are allowed to be null.
_ISSUE_112 = ("a real 422 body quoted in tripletex-api2 issue #112 (reference/tripletex/ENDPOINTS.md §0) has "
              "\"developerMessage\":null and a validation message with \"rootId\":null")
TRIPLETEX = ApiProfile(
    name="tripletex",
    spec_file=REFERENCE / "tripletex" / "openapi.json",
    error_schema="ApiError",
    fields_param="fields",
    amendments=(
        # The paging parameters are integers with the defaults written as strings ("0", "1000"); nothing is sent
        # for an absent parameter, so this is a typo of the spec, not of the API.
        parameter_default("from", 0, why="integer parameter whose default the spec writes as the string \"0\""),
        parameter_default("count", 1000,
                          why="integer parameter whose default the spec writes as the string \"1000\""),
        # The generator copies a $ref property's readOnly onto the shared component (427 components are readOnly
        # as a whole); Invoice got it, with its description, from Project.invoicingPlan. POST /invoice takes an
        # Invoice as its body, so the flag would refuse every invoice. Invoice's own properties keep their flags.
        writable_schema("Invoice", why="readOnly leaked from Project.invoicingPlan (its description \"Invoicing "
                                       "plans tied to the project\" came along); POST /invoice takes an Invoice"),
        nullable("ApiError", "developerMessage", why=_ISSUE_112),
        nullable("ApiError", "validationMessages",
                 why="the spec's own error envelope (info.description) says validationMessages \"can be null\"; "
                     "404/401/403 bodies carry none"),
        nullable("ApiValidationMessage", "rootId", why=_ISSUE_112),
        # A business-rule message not tied to a field (e.g. "no company bank account number") has none.
        nullable("ApiValidationMessage", "field",
                 why="the bank-account rule's real 422 carries a validation message with field null "
                     "(backend/sandbox/tripletex/guesses.py, marked CONFIRMED)"),
        nullable("ApiValidationMessage", "path",
                 why="path is the indexed twin of field (issue #112: field \"postings.account.name\", path "
                     "\"postings[0].account.name\"): no field, no path"),
        nullable_everywhere("ListResponse", "versionDigest",
                            why="the spec's own list envelope (info.description): versionDigest is "
                                "\"null if no result\""),
        null_references(
            "Customer", "Supplier", "Product", "Order", "OrderLine", "Invoice", "PaymentType", "VatType",
            why="an unset reference is rendered as null by the real API: public logs of real responses show "
                "customers with \"accountManager\":null,\"department\":null (tripletex.dev, 2026) and travel "
                "expenses with \"project\":null,\"approvedBy\":null,\"voucher\":null"),
        *(nullable("OrderLine", prop, why="an unset date is null in real responses (\"approvedDate\":null on a "
                                          "real travel expense); order lines without subscription/picking have none")
          for prop in ("pickedDate", "subscriptionPeriodStart", "subscriptionPeriodEnd")),
    ),
)

EACCOUNTING = ApiProfile(
    name="eaccounting",
    spec_file=REFERENCE / "eaccounting" / "openapi.json",
    # Operations document 400 with this body; the docs say every failed request carries it (ErrorId), and the
    # documented 429 body has the same shape (reference/eaccounting/API.md §4-5).
    error_schema="CommonExtendedBadRequest",
    formats=(
        FormatRule("date-time", iso_date_time_zone_optional,
                   why="eAccounting writes dates as ISO date-times without a zone (\"2024-05-01T00:00:00\", "
                       "API.md §3; .NET DateTime), which JSON Schema's RFC 3339 date-time refuses"),
    ),
    amendments=(
        response_everywhere(
            401, like=("/vatcodes", "get"),
            why="15 operations document 401 \"Unauthorized. Access denied.\" without a body; the bearer token is "
                "checked before any operation is chosen (an expired token is refused on every path alike)"),
        response_body(
            403, "CommonExtendedBadRequest",
            why="the spec documents 403 without a body, but a live 403 quoted in public tests is "
                "{\"ErrorCode\":4002,\"DeveloperErrorMessage\":\"ForbiddenRequestException - No access to module: "
                "api_standard\",\"ErrorId\":\"x\",\"Errors\":[]} (backend/sandbox/eaccounting/guesses.py)"),
        list_query_parameters(
            "PaginatedResponse",
            {"$page": {"type": "integer", "minimum": 1}, "$pagesize": {"type": "integer", "minimum": 1},
             "$filter": {"type": "string"}, "$orderby": {"type": "string"}, "$select": {"type": "string"}},
            why="the OData paging/filtering parameters are documented on Visma's Pagination/Filtering/Sorting/"
                "Selecting pages, not in the spec (API.md §3: $page, $pagesize, $filter, e.g. "
                "GET /v2/customerinvoices?$filter=HasAutoInvoiceError eq true)"),
    ),
)
