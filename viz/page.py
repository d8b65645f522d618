"""HTML pages for the maps — safe and offline (the index and the gap report: :mod:`viz.tables`).

Every user string is escaped as text; the map's data travels as JSON in a
``<script type="application/json">`` block (with ``<``, ``>`` and ``&`` escaped, so no
``</script>`` can end it) and is drawn by our own script with ``textContent``. Nothing is
loaded from outside: served pages use ``/static/…`` under a Content-Security-Policy that
allows only this server; an exported map inlines every script and stylesheet and carries
a policy that allows exactly those (by hash) and nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyvis

from viz.encoding import MAP_KINDS, legend, text
from viz.maps import MapData

__all__ = ["map_page", "static_file", "SERVED_CSP", "STATIC_TYPES"]

_HERE = Path(__file__).resolve().parent / "static"
_VIS = Path(pyvis.__file__).resolve().parent / "lib" / "vis-9.1.2"
STATIC_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
#: The policy of every served page: this server only, no inline script, no plugins, no framing.
SERVED_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
              "font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


@lru_cache(maxsize=8)
def static_file(name: str) -> bytes | None:
    """The bytes of a served asset (our scripts and styles, and vis-network's), or None."""
    if name == "vis-network.min.js":
        return (_VIS / "vis-network.min.js").read_bytes()
    if name == "vis-network.css":
        return (_VIS / "vis-network.css").read_bytes()
    if name == "map.css":
        return (_HERE / "map.css").read_bytes() + _swatch_css().encode()
    if name in ("map.js", "index.js", "gaps.js", "tables.css", "export.js", "export.css", "cards.js", "panel.js"):
        return (_HERE / name).read_bytes()
    return None


def _swatch_class(colour: str) -> str:
    return "c" + colour.lstrip("#").lower()


def _swatch_css() -> str:
    colours = sorted({row["swatch"] for kind in MAP_KINDS for row in legend("en", kind)})
    return "".join(f".{_swatch_class(c)} {{ background: {c}; }}\n" for c in colours)


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _data_block(data: Any) -> str:
    text_ = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    return text_.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _division_legend(divisions: list[list[str]], lang: str) -> str:
    """Our divisions and their colours on the division layer (swatches drawn as SVG: the
    page's policy allows no style attribute)."""
    if not divisions:
        return ""
    items = "".join(f'<li data-division="{_e(name or "")}"><svg class="sw-division" width="22" height="10" '
                    f'aria-hidden="true"><line x1="1" y1="5" x2="21" y2="5" stroke="{_e(colour)}" stroke-width="4"/>'
                    f"</svg>{_e(name or text(lang, 'no_division'))}</li>" for name, colour in divisions)
    return f'<div class="division-legend"><h2>{_e(text(lang, "division_legend"))}</h2><ul>{items}</ul></div>'


def _legend_html(lang: str, kind: str) -> str:
    parts, group = [], None
    for row in legend(lang, kind):
        if row["group"] != group:
            if group is not None:
                parts.append("</ul>")
            group = row["group"]
            parts.append(f"<h2>{_e(group)}</h2><ul>")
        parts.append(f'<li><span class="sw {_e(row["shape"])} {_swatch_class(row["swatch"])}"></span>'
                     f"{_e(row['label'])}</li>")
    parts.append("</ul>")
    return "".join(parts)


def _head(title: str, lang: str, *, inline: bool, styles: list[str], scripts_hashes: list[str] = (),
          vis: bool = True) -> str:
    if inline:
        style_hashes = " ".join(f"'{_sha(s)}'" for s in styles)
        csp = (f"default-src 'none'; script-src {' '.join(scripts_hashes)}; style-src {style_hashes}; "
               "img-src data:; base-uri 'none'; form-action 'none'")
        links = "".join(f"<style>{s}</style>" for s in styles)
        meta = f'<meta http-equiv="Content-Security-Policy" content="{_e(csp)}">'
    else:
        links = ('<link rel="stylesheet" href="/static/vis-network.css">' if vis else "") + \
            '<link rel="stylesheet" href="/static/map.css">'
        meta = ""
    return (f'<!doctype html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">{meta}'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{_e(title)}</title>'
            f"{links}</head>")


def _inline(name: str) -> str:
    """An asset's text as the HTML parser will see it inline (line ends normalised to
    LF), so that the hash in the page's policy matches what the browser hashes."""
    return static_file(name).decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


def _sha(content: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(content.encode("utf-8")).digest()).decode()


def _nav(links: dict[str, str]) -> str:
    return "<nav>" + "".join(f'<a href="{_e(href)}">{_e(label)}</a>' for label, href in links.items()) + "</nav>"


def map_page(data: MapData, *, inline: bool = False, nav: dict[str, str] | None = None,
             languages: dict[str, str] | None = None, export_size: tuple[int, int] | None = None) -> str:
    """A whole map page. ``inline=True`` gives one self-contained file (to e-mail);
    ``languages`` (``{"en": href, "zh": href}``) adds the English/中文 switch;
    ``export_size`` (width, height in CSS pixels, with ``inline``) the export mode for a
    picture or PDF of that size: the chart fitted whole with its legend, no controls."""
    lang = data.lang
    t = lambda k: text(lang, k)  # noqa: E731
    block = _data_block(data.data)
    org = data.kind == "org"
    filters = ""
    if data.kind != "group":  # the group map has no people to filter
        filters = (f'<label for="search">{_e(t("search"))}</label><input id="search" type="search" autocomplete="off">'
                   f'<div id="search-status" class="search-status" role="status" aria-live="polite"></div>'
                   f'<label for="filter-department">{_e(t("department"))}</label>'
                   f'<select id="filter-department"><option value="">{_e(t("all"))}</option></select>'
                   f'<label for="filter-role">{_e(t("role"))}</label>'
                   f'<select id="filter-role"><option value="">{_e(t("all"))}</option></select>'
                   f'<label for="filter-stance">{_e(t("stance"))}</label>'
                   f'<select id="filter-stance"><option value="">{_e(t("all"))}</option></select>'
                   f'<label for="filter-competitor">{_e(t("competitor"))}</label>'
                   f'<select id="filter-competitor"><option value="">{_e(t("all"))}</option></select>')
    if org:
        divisions = data.extra.get("divisions") or []
        boxes = "".join(f'<label><input type="checkbox" data-layer="{layer}">{_e(t(word))}</label>'
                        for layer, word in (("reports_to", "layer_reports"), ("influences", "layer_influence"),
                                            ("relationship", "layer_relationship"),
                                            *((("division", "layer_division"),) if divisions else ())))
        filters += (f'<div class="layers-box"><h2>{_e(t("layers"))}</h2>{boxes}<p class="hint">{_e(t("layer_hint"))}'
                    f'</p>{_division_legend(divisions, lang)}</div>'
                    f'<div class="decider-list"><h2>{_e(t("deciders"))}</h2><ul></ul></div>')
    facts = " · ".join(_e(f) for f in data.facts)
    note = f'<p class="hint">{_e(t("open_group"))}</p>' if data.clustered else ""
    why = f'<p class="why" role="note">{_e(data.extra["why"])}</p>' if data.extra.get("why") else ""
    switch = ""
    if languages:
        switch = (f'<nav class="lang-switch" aria-label="{_e(t("language"))}">' + "".join(
            f"<strong>{_e(label)}</strong>" if code == lang else f'<a href="{_e(languages[code])}" lang="{code}">'
            f"{_e(label)}</a>" for code, label in (("en", "English"), ("zh", "中文")) if code in languages) + "</nav>")
    panel = "" if data.kind == "group" else (f'<section data-panel="person" hidden role="dialog" aria-labelledby="panel-name">'
             f'<button type="button" class="panel-close" aria-label="{_e(t("close"))}">×</button>'
             f'<h2 id="panel-name"></h2><div class="panel-body"></div></section>')
    surface = ('<div id="map" class="cards" tabindex="-1" aria-label="' + _e(data.title) + '"></div>' if org else
               f'<div id="map" role="img" aria-label="{_e(data.title)}"></div>')
    mode = ' class="pm-export"' if export_size else ""
    body = (f"<body{mode}><header><h1>{_e(data.title)}</h1><span class=\"facts\">{facts}</span>{_nav(nav or {})}"
            f"{switch}</header>{why}<main>{surface}{panel}"
            f"<aside>{filters}{note}<div class=\"legend\">{_legend_html(lang, data.kind)}</div></aside></main>"
            f"<noscript>{_e(t('no_script'))}</noscript>"
            f'<script type="application/json" id="map-data">{block}</script>')
    scripts = ["panel.js", "cards.js"] if org else ["vis-network.min.js", "panel.js", "map.js"]
    if inline:
        code = [_inline(name) for name in scripts]
        styles = ([] if org else [_inline("vis-network.css")]) + [_inline("map.css")]
        if export_size:  # export mode: its stylesheet, the page size for print; the org chart, which
            # fits itself once, gets the picture's size as its body's (headless Chromium lays the page
            # out in a viewport shorter than --window-size and resizes it only for the screenshot;
            # the network maps fit themselves again on that resize)
            size = "@page { size: %dpx %dpx; margin: 0; }" % export_size
            if org:
                size += " body.pm-export { width: %dpx; height: %dpx; }" % export_size
            styles += [_inline("export.css"), size]
            code += [] if org else [_inline("export.js")]
        head = _head(data.title, lang, inline=True, styles=styles, scripts_hashes=[f"'{_sha(c)}'" for c in code])
        return head + body + "".join(f"<script>{c}</script>" for c in code) + "</body></html>"
    head = _head(data.title, lang, inline=False, styles=[], vis=not org)
    return head + body + "".join(f'<script src="/static/{name}"></script>' for name in scripts) + "</body></html>"
