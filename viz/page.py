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

from viz.encoding import legend, text
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
    if name in ("map.js", "index.js", "gaps.js", "tables.css", "export.js", "export.css"):
        return (_HERE / name).read_bytes()
    return None


def _swatch_class(colour: str) -> str:
    return "c" + colour.lstrip("#").lower()


def _swatch_css() -> str:
    colours = sorted({row["swatch"] for lang in ("en", "zh") for row in legend(lang)})
    return "".join(f".{_swatch_class(c)} {{ background: {c}; }}\n" for c in colours)


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _data_block(data: Any) -> str:
    text_ = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    return text_.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _legend_html(lang: str) -> str:
    parts, group = [], None
    for row in legend(lang):
        if row["group"] != group:
            if group is not None:
                parts.append("</ul>")
            group = row["group"]
            parts.append(f"<h2>{_e(group)}</h2><ul>")
        parts.append(f'<li><span class="sw {_e(row["shape"])} {_swatch_class(row["swatch"])}"></span>'
                     f"{_e(row['label'])}</li>")
    parts.append("</ul>")
    return "".join(parts)


def _head(title: str, lang: str, *, inline: bool, styles: list[str], scripts_hashes: list[str] = ()) -> str:
    if inline:
        style_hashes = " ".join(f"'{_sha(s)}'" for s in styles)
        csp = (f"default-src 'none'; script-src {' '.join(scripts_hashes)}; style-src {style_hashes}; "
               "img-src data:; base-uri 'none'; form-action 'none'")
        links = "".join(f"<style>{s}</style>" for s in styles)
        meta = f'<meta http-equiv="Content-Security-Policy" content="{_e(csp)}">'
    else:
        links = ('<link rel="stylesheet" href="/static/vis-network.css">'
                 '<link rel="stylesheet" href="/static/map.css">')
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
             export_size: tuple[int, int] | None = None) -> str:
    """A whole map page. ``inline=True`` gives one self-contained file (to e-mail);
    ``export_size`` (width, height in CSS pixels, with ``inline``) the export mode for a
    picture or PDF of that size: the chart fitted whole with its legend, no controls."""
    lang = data.lang
    t = lambda k: text(lang, k)  # noqa: E731
    block = _data_block(data.data)
    filters = (f'<label for="search">{_e(t("search"))}</label><input id="search" type="search" autocomplete="off">'
               f'<label for="filter-department">{_e(t("department"))}</label>'
               f'<select id="filter-department"><option value="">{_e(t("all"))}</option></select>'
               f'<label for="filter-role">{_e(t("role"))}</label>'
               f'<select id="filter-role"><option value="">{_e(t("all"))}</option></select>'
               f'<label for="filter-stance">{_e(t("stance"))}</label>'
               f'<select id="filter-stance"><option value="">{_e(t("all"))}</option></select>')
    facts = " · ".join(_e(f) for f in data.facts)
    note = f'<p>{_e(t("collapsed"))}</p>' if data.clustered else ""
    mode = ' class="pm-export"' if export_size else ""
    body = (f"<body{mode}><header><h1>{_e(data.title)}</h1><span class=\"facts\">{facts}</span>{_nav(nav or {})}</header>"
            f'<main><div id="map" role="img" aria-label="{_e(data.title)}"></div>'
            f"<aside>{filters}{note}<div class=\"legend\">{_legend_html(lang)}</div></aside></main>"
            f"<noscript>{_e(t('no_script'))}</noscript>"
            f'<script type="application/json" id="map-data">{block}</script>')
    if inline:
        vis_js, map_js = _inline("vis-network.min.js"), _inline("map.js")
        styles = [_inline("vis-network.css"), _inline("map.css")]
        scripts = [vis_js, map_js]
        if export_size:  # export mode: its stylesheet, the page size for print, its script
            styles += [_inline("export.css"), "@page { size: %dpx %dpx; margin: 0; }" % export_size]
            scripts.append(_inline("export.js"))
        head = _head(data.title, lang, inline=True, styles=styles, scripts_hashes=[f"'{_sha(s)}'" for s in scripts])
        return f"{head}{body}{''.join(f'<script>{s}</script>' for s in scripts)}</body></html>"
    head = _head(data.title, lang, inline=False, styles=[])
    return f'{head}{body}<script src="/static/vis-network.min.js"></script><script src="/static/map.js"></script>' \
           "</body></html>"
