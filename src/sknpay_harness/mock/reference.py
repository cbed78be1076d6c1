"""The mock's API reference (``GET /docs``): its OpenAPI document as one HTML page.

Rendered on the server from the same document ``/openapi.json`` serves, with
no script and nothing fetched from elsewhere, so it works offline. Every piece
of the document that reaches the page goes through :func:`html.escape`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape
from typing import Any

COMPONENTS = "#/components/schemas/"
METHODS = ("get", "put", "post", "delete", "patch")
UNTAGGED = "other"

_STYLE = """
body{font-family:system-ui,sans-serif;margin:0;padding:1.5rem 2rem;color:#1c1e21;
line-height:1.45;max-width:72rem}
h1{margin-top:0} h2{border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}
code,pre{font-family:ui-monospace,monospace;font-size:.9em}
pre{background:#f4f5f7;padding:.6rem;overflow-x:auto;border-radius:4px}
table{border-collapse:collapse;margin:.4rem 0 1rem} th,td{border:1px solid #ddd;
padding:.25rem .5rem;text-align:left;vertical-align:top} th{background:#f4f5f7}
.method{display:inline-block;min-width:4.2rem;font-weight:700;font-family:ui-monospace,monospace}
.get{color:#0b6e4f} .post{color:#1a56a8} .put{color:#8a5a00} .delete{color:#a8201a}
.op{border:1px solid #e3e3e3;border-radius:6px;padding:.2rem 1rem;margin:1rem 0}
.note{background:#eef4ff;border-radius:4px;padding:.5rem .8rem}
.warn{background:#fff1e6;border-radius:4px;padding:.5rem .8rem}
nav a{margin-right:1rem}
"""


def shell(title: str, body: str) -> str:
    """A whole page around ``body`` (already HTML); ``title`` is escaped here."""
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)}</title>\n<style>{_STYLE}</style></head>\n"
            f"<body>\n{body}\n</body></html>\n")


@dataclass(frozen=True)
class Operation:
    """One method on one path of the document."""

    tag: str
    method: str
    path: str
    spec: dict[str, Any]

    @property
    def anchor(self) -> str:
        """The operation's id on the reference page."""
        return "op-" + str(self.spec.get("operationId") or f"{self.method}-{self.path}")

    @property
    def summary(self) -> str:
        return str(self.spec.get("summary", ""))


def operations(document: dict[str, Any]) -> Iterator[Operation]:
    """Every operation, grouped by tag in the document's tag order."""
    found = [Operation((spec.get("tags") or [UNTAGGED])[0], method, path, spec)
             for path, item in document.get("paths", {}).items()
             for method, spec in item.items() if method in METHODS]
    order = [t["name"] for t in document.get("tags", [])]
    yield from sorted(found, key=lambda op: order.index(op.tag) if op.tag in order else len(order))


def tag_descriptions(document: dict[str, Any]) -> dict[str, str]:
    return {t["name"]: t.get("description", "") for t in document.get("tags", [])}


def method_label(method: str) -> str:
    return f'<span class="method {escape(method)}">{escape(method.upper())}</span>'


# -- the page ---------------------------------------------------------------------------
def render_reference(document: dict[str, Any]) -> str:
    info = document.get("info", {})
    title = f"{info.get('title', 'API')}: reference"
    ops = list(operations(document))
    tags = tag_descriptions(document)
    parts = [f"<h1>{escape(title)}</h1>",
             f"<p>{escape(info.get('description', ''))}</p>",
             f"<p>Version {escape(str(info.get('version', '')))} &middot; OpenAPI "
             f"{escape(str(document.get('openapi', '')))}</p>",
             '<nav><a href="/">front page</a><a href="/openapi.json">/openapi.json</a></nav>',
             _security(document), "<h2>Contents</h2>", _contents(ops, tags)]
    for tag in dict.fromkeys(op.tag for op in ops):
        parts.append(f'<h2 id="tag-{escape(_slug(tag))}">{escape(tag)}</h2>')
        if tags.get(tag):
            parts.append(f"<p>{escape(tags[tag])}</p>")
        parts += [_operation(op) for op in ops if op.tag == tag]
    parts.append(_schemas(document.get("components", {}).get("schemas", {})))
    return shell(title, "\n".join(parts))


def _security(document: dict[str, Any]) -> str:
    schemes = document.get("components", {}).get("securitySchemes", {})
    described = "; ".join(f"{name}: {scheme.get('type')} {scheme.get('scheme', '')} "
                          f"({scheme.get('description', '')})" for name, scheme in schemes.items())
    return (f'<p class="note">Authentication: {escape(described)}, sent as '
            "<code>Authorization: Bearer &lt;key&gt;</code>, on every operation not marked "
            "&ldquo;no API key&rdquo;.</p>")


def _contents(ops: list[Operation], tags: dict[str, str]) -> str:
    items = []
    for tag in dict.fromkeys(op.tag for op in ops):
        links = "".join(f'<li><a href="#{escape(op.anchor)}">{method_label(op.method)} '
                        f"<code>{escape(op.path)}</code></a> {escape(op.summary)}</li>"
                        for op in ops if op.tag == tag)
        items.append(f'<li><a href="#tag-{escape(_slug(tag))}">{escape(tag)}</a><ul>{links}</ul></li>')
    items.append('<li><a href="#schemas">schemas</a></li>')
    return f"<ul>{''.join(items)}</ul>"


def _operation(op: Operation) -> str:
    spec = op.spec
    parts = [f'<article class="op" id="{escape(op.anchor)}">',
             f"<h3>{method_label(op.method)} <code>{escape(op.path)}</code></h3>",
             f"<p>{escape(op.summary)}</p>"]
    if spec.get("description"):
        parts.append(f"<p>{escape(spec['description'])}</p>")
    if spec.get("security") == []:
        parts.append("<p><em>no API key</em></p>")
    params = spec.get("parameters", [])
    if params:
        rows = "".join(f"<tr><td><code>{escape(p['name'])}</code></td><td>{escape(p['in'])}</td>"
                       f"<td>{'yes' if p.get('required') else 'no'}</td>"
                       f"<td>{describe(p.get('schema', {}))}</td></tr>" for p in params)
        parts.append("<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>required</th>"
                     f"<th>schema</th></tr>{rows}</table>")
    body = spec.get("requestBody")
    if body:
        required = "required" if body.get("required") else "optional"
        parts.append(f"<h4>Request body ({required})</h4>"
                     f"<p>{_content_summary(body.get('content', {}))}</p>")
    rows = "".join(f"<tr><td>{escape(status)}</td><td>{escape(answer.get('description', ''))}</td>"
                   f"<td>{_content_summary(answer.get('content', {}))}</td></tr>"
                   for status, answer in spec.get("responses", {}).items())
    parts.append(f"<h4>Responses</h4><table><tr><th>status</th><th>meaning</th><th>body</th></tr>"
                 f"{rows}</table></article>")
    return "\n".join(parts)


def _content_summary(content: dict[str, Any]) -> str:
    return "<br>".join(f"<code>{escape(media)}</code>: {describe(body.get('schema', {}))}"
                       for media, body in content.items())


def _schemas(schemas: dict[str, Any]) -> str:
    parts = ['<h2 id="schemas">Schemas</h2>']
    for name, schema in schemas.items():
        parts.append(f'<section id="schema-{escape(_slug(name))}"><h3>{escape(name)}</h3>')
        about = " ".join(str(schema[k]) for k in ("title", "description") if schema.get(k))
        if about:
            parts.append(f"<p>{escape(about)}</p>")
        if isinstance(schema.get("properties"), dict):
            parts.append(_properties(schema))
        for def_name, definition in schema.get("$defs", {}).items():
            parts.append(f'<p id="schema-{escape(_slug(name))}-{escape(_slug(def_name))}">'
                         f"<code>{escape(def_name)}</code>: {describe(definition)}"
                         f"{_about(definition)}</p>")
        parts.append("<details><summary>JSON Schema</summary>"
                     f"<pre>{escape(json.dumps(schema, indent=2))}</pre></details></section>")
    return "\n".join(parts)


def _properties(schema: dict[str, Any]) -> str:
    required = set(schema.get("required", []))
    rows = "".join(f"<tr><td><code>{escape(name)}</code></td>"
                   f"<td>{'yes' if name in required else 'no'}</td>"
                   f"<td>{describe(prop)}</td><td>{escape(str(prop.get('description', '')))}</td></tr>"
                   for name, prop in schema["properties"].items() if isinstance(prop, dict))
    return ("<table><tr><th>field</th><th>required</th><th>schema</th><th>about</th></tr>"
            f"{rows}</table>")


def _about(schema: dict[str, Any]) -> str:
    return f" &mdash; {escape(str(schema['description']))}" if schema.get("description") else ""


# -- one line per schema ------------------------------------------------------------------
def describe(schema: Any, depth: int = 0) -> str:
    """A short HTML summary of a schema: its type, format, enum and limits, with
    links to the named schemas it refers to."""
    if not isinstance(schema, dict):
        return escape(json.dumps(schema))
    if depth > 3:
        return "&hellip;"
    if "$ref" in schema:
        return _ref_link(str(schema["$ref"]))
    for keyword, joiner in (("allOf", " and "), ("anyOf", " or "), ("oneOf", " or one of ")):
        if keyword in schema:
            return joiner.join(describe(s, depth + 1) for s in schema[keyword])
    if "const" in schema:
        return f"<code>{escape(json.dumps(schema['const']))}</code>"
    if "enum" in schema:
        return "one of " + ", ".join(f"<code>{escape(json.dumps(v))}</code>" for v in schema["enum"])
    kind = schema.get("type", "any")
    text = escape(" or ".join(kind) if isinstance(kind, list) else str(kind))
    if kind == "array" and "items" in schema:
        text = f"array of {describe(schema['items'], depth + 1)}"
    elif kind == "object" and isinstance(schema.get("properties"), dict):
        text = "object {" + ", ".join(f"<code>{escape(n)}</code>" for n in schema["properties"]) + "}"
    limits = [f"{escape(key)} {escape(json.dumps(schema[key]))}"
              for key in ("format", "pattern", "minimum", "exclusiveMinimum", "maximum",
                          "minLength", "maxLength", "minItems", "maxItems") if key in schema]
    return text + (f" ({', '.join(limits)})" if limits else "")


def _ref_link(ref: str) -> str:
    if not ref.startswith(COMPONENTS):
        return f"<code>{escape(ref)}</code>"
    parts = ref[len(COMPONENTS):].split("/")
    anchor = "schema-" + _slug(parts[0])
    if len(parts) == 3 and parts[1] == "$defs":
        anchor += "-" + _slug(parts[2])
    return f'<a href="#{escape(anchor)}"><code>{escape("/".join(parts))}</code></a>'


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in text)
