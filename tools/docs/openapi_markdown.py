"""The HTTP API's reference as Markdown, from the OpenAPI document the server serves at
/openapi.json (``api.app.create_app().openapi()``): every operation by tag, with its parameters,
request body and responses, then every schema with its fields. Used by hooks.py at build time."""

from __future__ import annotations

from typing import Any

METHODS = ("get", "put", "post", "patch", "delete")


def http_reference() -> str:
    from api.app import create_app

    return render(create_app().openapi())


def render(document: dict[str, Any]) -> str:
    by_tag: dict[str, list[tuple[str, str, dict]]] = {}
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                operation = item[method]
                by_tag.setdefault((operation.get("tags") or ["other"])[0], []).append((method, path, operation))
    out = [f"The server's own OpenAPI document, {document['info']['title']} {document['info']['version']}: "
           f"{sum(map(len, by_tag.values()))} operations on {len(document.get('paths', {}))} paths.\n"]
    for tag, operations in by_tag.items():
        out.append(f"## {tag.capitalize()}\n")
        for method, path, operation in operations:
            out += _operation(method, path, operation)
    schemas = document.get("components", {}).get("schemas", {})
    if schemas:
        out.append("## Schemas\n")
        for name, schema in sorted(schemas.items()):
            out += _schema(name, schema)
    return "\n".join(out)


def _operation(method: str, path: str, operation: dict) -> list[str]:
    out = [f"### `{method.upper()} {path}`\n"]
    if operation.get("summary"):
        out.append(f"**{operation['summary']}.** " + operation.get("description", "").strip() + "\n")
    elif operation.get("description"):
        out.append(operation["description"].strip() + "\n")
    parameters = operation.get("parameters", [])
    if parameters:
        out += ["| parameter | in | type | required | description |", "|---|---|---|---|---|"]
        for p in parameters:
            schema = p.get("schema", {})
            default = f" (default `{schema['default']}`)" if schema.get("default") is not None else ""
            description = p.get("description") or schema.get("description") or ""
            out.append(f"| `{p['name']}` | {p['in']} | {_type(schema)} | {'yes' if p.get('required') else ''} | "
                       f"{cell(description)}{default} |")
        out.append("")
    body = operation.get("requestBody")
    if body:
        kinds = ", ".join(f"`{kind}` {_type(content.get('schema', {}))}".rstrip()
                          for kind, content in body.get("content", {}).items())
        out.append(f"Request body{' (required)' if body.get('required') else ''}: {kinds}.\n")
    responses = operation.get("responses", {})
    if responses:
        out += ["| status | meaning | body |", "|---|---|---|"]
        for status, response in responses.items():
            content = response.get("content", {})
            kinds = ", ".join(f"`{kind}` {_type(c.get('schema', {}))}".rstrip() for kind, c in content.items())
            out.append(f"| {status} | {cell(response.get('description', ''))} | {kinds} |")
        out.append("")
    return out


def _schema(name: str, schema: dict) -> list[str]:
    out = [f"### {name} {{#{_anchor(name)}}}\n"]
    if schema.get("description"):
        out.append(cell(schema["description"]) + "\n")
    properties = schema.get("properties", {})
    if properties:
        required = set(schema.get("required", ()))
        out += ["| field | type | required | description |", "|---|---|---|---|"]
        for field, spec in properties.items():
            out.append(f"| `{field}` | {_type(spec)} | {'yes' if field in required else ''} | "
                       f"{cell(spec.get('description', ''))} |")
        out.append("")
    elif "enum" in schema:
        out.append("One of " + ", ".join(f"`{v}`" for v in schema["enum"]) + ".\n")
    return out


def _type(schema: dict) -> str:
    """A schema as a short type: `string`, `integer 1..3650`, [Problem](#schema-problem), `array of …`."""
    if not schema:
        return ""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{_anchor(name)})"
    for combined in ("anyOf", "oneOf", "allOf"):
        if combined in schema:
            kinds = [_type(s) for s in schema[combined] if s.get("type") != "null"]
            nullable = any(s.get("type") == "null" for s in schema[combined])
            return " or ".join(k for k in kinds if k) + (" or null" if nullable else "")
    if "enum" in schema:
        return " \\| ".join(f"`{v}`" for v in schema["enum"])
    kind = schema.get("type", "")
    if isinstance(kind, list):
        kind = " or ".join(kind)
    if kind == "array":
        return f"array of {_type(schema.get('items', {})) or 'values'}"
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"object of {_type(schema['additionalProperties']) or 'values'}"
    text = kind + (f" ({schema['format']})" if "format" in schema else "")
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None or high is not None:
        text += f" {'' if low is None else low}..{'' if high is None else high}"
    return f"`{text}`" if text else ""


def _anchor(name: str) -> str:
    return "schema-" + "".join(ch if ch.isalnum() else "-" for ch in name).lower()


def cell(text: str) -> str:
    """Text for a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ").strip()
