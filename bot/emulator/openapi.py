"""Validate LINE payloads against LINE's official OpenAPI descriptions.

The YAML files (``messaging-api.yml``, ``webhook.yml``) are read at run time
from a directory outside the project (default ``<repo>/../shared/line-openapi``,
overridable with ``LINE_OPENAPI_DIR`` or a function argument); they are never
copied into the project.

LINE models polymorphism as "a base schema with a ``discriminator`` whose
``mapping`` points at subtypes, and each subtype is ``allOf: [$ref base, {...}]``"
(e.g. ``Message`` -> ``TextMessage``, ``Action`` -> ``PostbackAction``,
``Event`` -> ``MessageEvent``). Neither jsonschema nor openapi-schema-validator
dispatches on a discriminator placed on such a base schema, so this module
rewrites the components once per spec:

* ``<Base>`` becomes a dispatcher (custom keyword ``x-stub-discriminator``)
  that selects the mapped subtype by the discriminator property value, and
  reports unknown values as errors;
* ``<Base>__base`` is the original base schema without the discriminator, and
  the subtypes' ``allOf`` references are pointed at it (no infinite recursion).

Only the explicit ``mapping`` values are accepted when a mapping exists (this is
what LINE's servers accept); implicit schema-name values are used only for a
discriminator without a mapping. Everything else (``nullable``, ``maxLength``,
``maxItems`` ...) is validated by openapi-schema-validator's OAS 3.0 validator.
Unknown extra properties are accepted wherever the spec does not forbid them.
"""

from __future__ import annotations

import copy
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml
from jsonschema.exceptions import ValidationError
from jsonschema.validators import extend
from openapi_schema_validator import (
    OAS30ReadValidator,
    OAS30WriteValidator,
    oas30_format_checker,
)

MESSAGING_API_FILE = "messaging-api.yml"
WEBHOOK_FILE = "webhook.yml"

_SCHEMA_PREFIX = "#/components/schemas/"
_BASE_SUFFIX = "__base"
_DISPATCH_KEYWORD = "x-stub-discriminator"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def default_spec_dir() -> Path:
    """Return ``$LINE_OPENAPI_DIR`` or ``<repo>/../shared/line-openapi``."""
    env = os.environ.get("LINE_OPENAPI_DIR")
    if env:
        return Path(env)
    repo_root = Path(__file__).resolve().parents[2]
    return repo_root.parent / "shared" / "line-openapi"


@dataclass(frozen=True)
class SchemaIssue:
    """One validation problem: LINE-style property path plus a message."""

    property: str
    message: str

    def __str__(self) -> str:
        return f"{'$.' + self.property if self.property else '$'}: {self.message}"


def _dispatch(validator: Any, cfg: Mapping[str, Any], instance: Any,
              schema: Mapping[str, Any]) -> Iterable[ValidationError]:
    """jsonschema keyword: validate ``instance`` against the subtype its discriminator selects."""
    base = {"$ref": cfg["base"]}
    prop = cfg["propertyName"]
    if not validator.is_type(instance, "object") or not isinstance(instance.get(prop), str):
        # Let the base schema report the type / required / property-type errors.
        yield from validator.descend(instance, base)
        if validator.is_type(instance, "object") and prop not in instance and not cfg["required"]:
            yield ValidationError(f"{prop!r} is a required property", validator="required",
                                  validator_value=[prop], instance=instance, schema=schema)
        return
    value = instance[prop]
    target = cfg["mapping"].get(value)
    if target is None:
        expected = ", ".join(cfg["mapping"])
        yield ValidationError(
            f"unknown {prop} {value!r} for {cfg['name']} (expected one of: {expected})",
            validator="discriminator", validator_value=sorted(cfg["mapping"]),
            instance=value, schema=schema, path=[prop])
        return
    yield from validator.descend(instance, {"$ref": target})


_RequestValidator = extend(OAS30WriteValidator, {_DISPATCH_KEYWORD: _dispatch})
_ResponseValidator = extend(OAS30ReadValidator, {_DISPATCH_KEYWORD: _dispatch})


def _prepare_components(components: Mapping[str, Any]) -> dict[str, Any]:
    """Return a deep copy of ``components`` with discriminated bases turned into dispatchers."""
    comps = copy.deepcopy(dict(components))
    schemas: dict[str, Any] = comps.setdefault("schemas", {})
    bases = {name for name, s in schemas.items()
             if isinstance(s, dict) and "discriminator" in s
             and not any(k in s for k in ("allOf", "oneOf", "anyOf"))}  # those are handled natively

    children: dict[str, dict[str, str]] = {b: {} for b in bases}

    def rewrite(node: Any, owner: str | None) -> None:
        if isinstance(node, dict):
            for item in node.get("allOf", []) if isinstance(node.get("allOf"), list) else []:
                ref = item.get("$ref") if isinstance(item, dict) else None
                if isinstance(ref, str) and ref.startswith(_SCHEMA_PREFIX):
                    base = ref[len(_SCHEMA_PREFIX):]
                    if base in bases:
                        item["$ref"] = ref + _BASE_SUFFIX
                        if owner:
                            children[base][owner] = _SCHEMA_PREFIX + owner
            for value in node.values():
                rewrite(value, None)
        elif isinstance(node, list):
            for value in node:
                rewrite(value, None)

    for name, schema in schemas.items():
        rewrite(schema, name)

    for name in bases:
        original = schemas[name]
        disc = original["discriminator"]
        schemas[name + _BASE_SUFFIX] = {k: v for k, v in original.items() if k != "discriminator"}
        schemas[name] = {_DISPATCH_KEYWORD: {
            "name": name,
            "propertyName": disc["propertyName"],
            "mapping": dict(disc.get("mapping") or children[name]),
            "base": _SCHEMA_PREFIX + name + _BASE_SUFFIX,
            "required": disc["propertyName"] in original.get("required", []),
        }}
    return comps


class OpenApiSpec:
    """A parsed OpenAPI YAML document plus cached validators.

    Use :meth:`load` to get a per-path cached instance (parsing the 5,900-line
    Messaging API YAML takes a noticeable fraction of a second).
    """

    _cache: dict[tuple[Path, int], "OpenApiSpec"] = {}
    _cache_lock = threading.Lock()

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path).resolve()
        if not self.path.is_file():
            raise FileNotFoundError(
                f"LINE OpenAPI description not found: {self.path} "
                "(set LINE_OPENAPI_DIR or pass the spec directory explicitly)")
        with self.path.open(encoding="utf-8") as fh:
            document = yaml.load(fh, Loader=_LOADER)
        if not isinstance(document, dict) or "openapi" not in document:
            raise ValueError(f"{self.path} is not an OpenAPI document")
        self.document: dict[str, Any] = document
        self._components = _prepare_components(document.get("components", {}))
        self._validators: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> "OpenApiSpec":
        """Return the cached spec for ``path`` (re-parsed only if the file changed)."""
        resolved = Path(path).resolve()
        try:
            key = (resolved, resolved.stat().st_mtime_ns)
        except FileNotFoundError:
            return cls(resolved)  # raises a descriptive FileNotFoundError
        with cls._cache_lock:
            spec = cls._cache.get(key)
        if spec is None:
            spec = cls(resolved)
            with cls._cache_lock:
                cls._cache[key] = spec
        return spec

    def operation(self, method: str, path: str) -> dict[str, Any] | None:
        """Return the operation object for ``method path`` (path templates like ``{userId}`` match)."""
        paths = self.document.get("paths", {})
        item = paths.get(path)
        if item is None:
            for template, candidate in paths.items():
                pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
                if "{" in template and re.match(pattern, path):
                    item = candidate
                    break
        op = (item or {}).get(method.lower())
        return op if isinstance(op, dict) else None

    def request_body_schema(self, method: str, path: str) -> dict[str, Any] | None:
        """Return the ``application/json`` request body schema of an operation, if any."""
        op = self.operation(method, path)
        content = ((op or {}).get("requestBody") or {}).get("content") or {}
        return (content.get("application/json") or {}).get("schema")

    def _validator(self, key: tuple[str, str], schema: Mapping[str, Any], cls: Any) -> Any:
        with self._lock:
            validator = self._validators.get(key)
            if validator is None:
                root = {"allOf": [schema], "components": self._components}
                validator = cls(root, format_checker=oas30_format_checker)
                self._validators[key] = validator
            return validator

    def request_issues(self, method: str, path: str, body: Any) -> list[SchemaIssue] | None:
        """Validate a request body; ``None`` if the spec has no JSON body for that operation."""
        schema = self.request_body_schema(method, path)
        if schema is None:
            return None
        validator = self._validator(("request", f"{method.upper()} {path}"), schema, _RequestValidator)
        return _issues(validator.iter_errors(body))

    def schema_issues(self, name: str, instance: Any, *, request: bool = False) -> list[SchemaIssue]:
        """Validate ``instance`` against ``components/schemas/<name>``."""
        if name not in self.document.get("components", {}).get("schemas", {}):
            raise KeyError(f"schema {name!r} not found in {self.path.name}")
        cls = _RequestValidator if request else _ResponseValidator
        validator = self._validator(("schema" + ("+req" if request else ""), name),
                                    {"$ref": _SCHEMA_PREFIX + name}, cls)
        return _issues(validator.iter_errors(instance))


def load_messaging_spec(spec_dir: str | os.PathLike[str] | None = None) -> OpenApiSpec:
    """Load (cached) ``messaging-api.yml`` from ``spec_dir`` (default: :func:`default_spec_dir`)."""
    return OpenApiSpec.load(Path(spec_dir or default_spec_dir()) / MESSAGING_API_FILE)


def load_webhook_spec(spec_dir: str | os.PathLike[str] | None = None) -> OpenApiSpec:
    """Load (cached) ``webhook.yml`` from ``spec_dir`` (default: :func:`default_spec_dir`)."""
    return OpenApiSpec.load(Path(spec_dir or default_spec_dir()) / WEBHOOK_FILE)


def _format_path(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(part)):
            out += f".{part}" if out else str(part)
        else:
            out += f"[{str(part)!r}]"
    return out


def _describe(error: ValidationError) -> tuple[list[Any], str]:
    """Return (path parts, concise message) without echoing huge instances."""
    path = list(error.absolute_path)
    kind, value, inst = error.validator, error.validator_value, error.instance
    size = len(inst) if isinstance(inst, (str, list, dict)) else None
    if kind == "required":
        match = re.match(r"^'(.+)' is a required property$", error.message)
        return (path + [match.group(1)] if match else path), "must be specified"
    messages = {
        "maxLength": f"must be at most {value} characters long (got {size})",
        "minLength": f"must be at least {value} characters long (got {size})",
        "maxItems": f"must contain at most {value} items (got {size})",
        "minItems": f"must contain at least {value} items (got {size})",
        "maximum": f"must be less than or equal to {value} (got {inst!r})",
        "minimum": f"must be greater than or equal to {value} (got {inst!r})",
        "enum": f"must be one of {value} (got {inst!r})",
        "type": f"must be of type {value} (got {type(inst).__name__})",
        "pattern": f"must match pattern {value!r}",
        "format": f"must be a valid {value}",
    }
    message = messages.get(kind, error.message)
    return path, message if len(message) <= 300 else message[:297] + "..."


def _issues(errors: Iterable[ValidationError]) -> list[SchemaIssue]:
    seen: dict[SchemaIssue, None] = {}
    for error in errors:
        path, message = _describe(error)
        seen.setdefault(SchemaIssue(_format_path(path), message), None)
    return list(seen)


def _as_spec(spec: OpenApiSpec | str | os.PathLike[str]) -> OpenApiSpec:
    return spec if isinstance(spec, OpenApiSpec) else OpenApiSpec.load(spec)


def messaging_request_issues(spec: OpenApiSpec | str | os.PathLike[str], method: str,
                             path: str, body: Any) -> list[SchemaIssue]:
    """Structured variant of :func:`validate_messaging_request`."""
    issues = _as_spec(spec).request_issues(method, path, body)
    if issues is None:
        return [SchemaIssue("", f"{method.upper()} {path} is not a Messaging API operation "
                                "with a JSON request body")]
    return issues


def validate_messaging_request(spec: OpenApiSpec | str | os.PathLike[str], method: str,
                               path: str, body: Any) -> list[str]:
    """Validate a Messaging API request body; return error strings (empty list = valid).

    ``spec`` is an :class:`OpenApiSpec` for ``messaging-api.yml`` (or a path to it).
    An operation unknown to the spec yields exactly one error.
    """
    return [str(issue) for issue in messaging_request_issues(spec, method, path, body)]


def webhook_body_issues(spec: OpenApiSpec | str | os.PathLike[str], body: Any) -> list[SchemaIssue]:
    """Structured variant of :func:`validate_webhook_body`."""
    spec = _as_spec(spec)
    issues = spec.request_issues("POST", "/callback", body)
    return issues if issues is not None else spec.schema_issues("CallbackRequest", body)


def validate_webhook_body(spec: OpenApiSpec | str | os.PathLike[str], body: Any) -> list[str]:
    """Validate a webhook request body against ``CallbackRequest`` of ``webhook.yml``."""
    return [str(issue) for issue in webhook_body_issues(spec, body)]


def validate_schema(spec: OpenApiSpec | str | os.PathLike[str], name: str, instance: Any) -> list[str]:
    """Validate ``instance`` against a named component schema (e.g. ``ReplyMessageResponse``)."""
    return [str(issue) for issue in _as_spec(spec).schema_issues(name, instance)]
