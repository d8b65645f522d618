// powermap org chart as person cards: reads the map's JSON (a data block, never markup),
// builds the cards grouped account → department, draws the line layers (reporting,
// influence, our relationships) as SVG behind the cards, and wires the person panel,
// the filters and the search. Every user string goes in with textContent.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("map-data").textContent);
  const W = data.words || {};
  const body = document.body;
  const map = document.getElementById("map");
  // export mode (a slide picture): every group open, no controls, the whole sheet scaled to fit
  const exporting = body.classList.contains("pm-export");
  let zoom = 1;
  const SVG = "http://www.w3.org/2000/svg";
  const byId = {};
  data.nodes.forEach(function (n) { byId[n.id] = n; });
  const cardOf = {};       // person id → card element
  let selected = null;
  const panel = window.powermapPanel(data, {
    has: function (id) { return !!cardOf[id]; },
    pick: function (id) { select(id, true); },
    closed: function () {
      if (selected && cardOf[selected]) { cardOf[selected].classList.remove("selected"); }
      selected = null;
      changed();
    }
  });
  const el = panel.el, say = panel.say, personButton = panel.personButton;
  function peopleCount(n) { return say(n === 1 ? "people_1" : "people_n", { n: n }); }
  function stanceClass(s) { return s === null || s === undefined ? "s-u" : "s-" + String(s).replace("-", "m"); }

  // ----- the sheet: our team, then each account with its top people and departments
  const layers = document.createElementNS(SVG, "svg");
  layers.setAttribute("class", "layers");
  layers.setAttribute("aria-hidden", "true");
  const sheet = el("div", "sheet");
  map.appendChild(sheet);
  sheet.appendChild(layers);

  function card(id, depth) {
    const n = byId[id];
    const c = el("div", "card " + stanceClass(n.stance) + " depth-" + Math.min(depth || 0, 6));
    c.tabIndex = 0;
    c.setAttribute("role", "button");
    c.dataset.id = id;
    const head = el("div", "c-head");
    head.appendChild(el("span", "c-name", n.name));
    if (n.stance === 3) { head.appendChild(el("span", "c-coach", "★ " + say("coach"))); }
    c.appendChild(head);
    if (n.title) { c.appendChild(el("div", "c-title", n.title)); }
    const badges = el("div", "c-badges");
    (n.roles || []).forEach(function (r) {
      if (r === "decider" || r === "influencer" || r === "gatekeeper") { badges.appendChild(el("span", "b-role " + r, say(r))); }
    });
    if (n.stance !== 3) { badges.appendChild(el("span", "b-stance", n.stance === null || n.stance === undefined ? say("unknown_short") : say(String(n.stance)))); }
    if (n.gap) {
      badges.appendChild(el("span", "b-gap " + n.gap, "⚑ " + n.gaps + " " + say(n.gaps === 1 ? "gap_badge" : "gap_badges")));
    }
    if ((n.known || []).length) {
      const known = el("span", "b-known");
      n.known.forEach(function (k, i) {
        const ini = el("span", "ini", k);
        ini.dataset.division = (n.known_divisions || [])[i] || "";
        known.appendChild(ini);
      });
      badges.appendChild(known);
    }
    c.appendChild(badges);
    cardOf[id] = c;
    return c;
  }

  function toggle(section, label, collapsed, summary) {
    const button = el(exporting ? "div" : "button", "toggle");
    if (!exporting) { button.type = "button"; }
    button.appendChild(el("span", "caret"));
    button.appendChild(el("span", "g-name", label));
    if (summary) { button.appendChild(el("span", "g-count", summary)); }
    section.appendChild(button);
    const inner = el("div", "g-body");
    section.appendChild(inner);
    function set(closed) {
      section.classList.toggle("collapsed", closed);
      button.setAttribute("aria-expanded", closed ? "false" : "true");
      inner.hidden = closed;
    }
    set(!!collapsed && !exporting);
    button.addEventListener("click", function () { set(!section.classList.contains("collapsed")); changed(); });
    section.open = function () { set(false); };
    return inner;
  }

  // a big department of a large account shows its leads; the rest unfold on demand
  function fold(dep, list, d) {
    d.leads.forEach(function (id) { cardOf[id].classList.add("lead"); });
    const more = el("button", "more");
    more.type = "button";
    function set(folded) {
      dep.classList.toggle("folded", folded);
      more.textContent = folded ? "▸ " + say("show_all", { n: d.people.length }) : "▴ " + say("show_leads");
      more.setAttribute("aria-expanded", folded ? "false" : "true");
    }
    set(true);
    more.addEventListener("click", function () { set(!dep.classList.contains("folded")); changed(); });
    list.appendChild(more);
    const open = dep.open;
    dep.open = function () { open(); set(false); };
  }

  function deciderChips(ids, into) {
    const deciders = ids.filter(function (id) { return (byId[id].roles || []).indexOf("decider") >= 0; });
    if (!deciders.length) { return; }
    const row = el("div", "g-deciders");
    row.appendChild(el("span", "g-label", say("deciders") + ":"));
    deciders.slice(0, 12).forEach(function (id) { row.appendChild(personButton(id, byId[id].name)); });
    if (deciders.length > 12) { row.appendChild(el("span", "g-more", "+" + (deciders.length - 12))); }
    into.appendChild(row);
  }

  const groups = data.groups || { accounts: [], team: [], outside: [] };
  if (groups.team.length) {
    const strip = el("section", "team-strip");
    strip.appendChild(el("h2", "", say("our_team")));
    groups.team.forEach(function (id) {
      const n = byId[id];
      const chip = el("div", "team-chip");
      chip.tabIndex = 0;
      chip.setAttribute("role", "button");
      chip.dataset.id = id;
      const ini = el("span", "ini", n.initials);
      ini.dataset.division = n.division || "";
      chip.appendChild(ini);
      chip.appendChild(el("span", "t-name", n.name));
      if (n.title) { chip.appendChild(el("span", "t-role", W["team_" + n.title] || n.title)); }
      cardOf[id] = chip;
      strip.appendChild(chip);
    });
    sheet.appendChild(strip);
  }

  const accountSections = {};
  groups.accounts.forEach(function (g) {
    const section = el("section", "account lvl-" + Math.min(g.level, 3));
    const all = g.tops.slice();
    g.departments.forEach(function (d) { d.people.forEach(function (p) { all.push(p[0]); }); });
    const inner = toggle(section, g.name, g.collapsed, peopleCount(g.contacts));
    const when = el("div", "g-when-closed");
    deciderChips(all, when);
    section.insertBefore(when, inner);
    if (g.tops.length) {
      const tops = el("div", "tops");
      g.tops.forEach(function (id) { tops.appendChild(card(id, 0)); });
      inner.appendChild(tops);
    }
    const lines = el("div", "lines");
    g.departments.forEach(function (d) {
      const dep = el("section", "dept line-" + d.kind);
      const kind = W["line_" + d.kind] || "";
      const label = d.name ? d.name : say("line_none");
      const list = toggle(dep, label, false, (kind && kind !== label ? kind + " · " : "") + d.people.length);
      const closed = el("div", "g-when-closed");
      deciderChips(d.people.map(function (p) { return p[0]; }), closed);
      dep.insertBefore(closed, list);
      d.people.forEach(function (p) { list.appendChild(card(p[0], p[1])); });
      if (d.folded && !exporting) { fold(dep, list, d); }
      lines.appendChild(dep);
    });
    inner.appendChild(lines);
    section.kids = el("div", "sub-accounts");
    inner.appendChild(section.kids);
    (accountSections[g.parent] ? accountSections[g.parent].kids : sheet).appendChild(section);
    accountSections[g.id] = section;
  });
  if (groups.outside.length) {
    const section = el("section", "account outside");
    const inner = toggle(section, say("outside_managers"), false, peopleCount(groups.outside.length));
    const tops = el("div", "tops");
    groups.outside.forEach(function (id) { tops.appendChild(card(id, 0)); });
    inner.appendChild(tops);
    sheet.appendChild(section);
  }

  // a report whose manager sits in another group names the manager on the card (its line
  // is drawn for the selected person only, so that no curtain of long lines covers the chart)
  const far = {};
  data.edges.forEach(function (e) {
    if (e.edge !== "reports_to" || !cardOf[e.from] || !cardOf[e.to]) { return; }
    if (cardOf[e.from].parentNode !== cardOf[e.to].parentNode) {
      far[e.id] = true;
      const up = el("div", "c-boss", "↑ " + byId[e.to].name);
      cardOf[e.from].insertBefore(up, cardOf[e.from].querySelector(".c-badges"));
    }
  });

  // ----- line layers, drawn behind the cards
  const layer = { reports_to: true, influences: false, relationship: false, division: false };
  // the division layer: every relationship of ours, coloured by the team member's division
  const colourOf = {};
  (data.divisions || []).forEach(function (d) { colourOf[d[0] === null ? "" : d[0]] = d[1]; });
  let paintedByDivision = false;
  function divisionColour(division) { return colourOf[division === null || division === undefined ? "" : division]; }
  function shown(e) { return e && e.getClientRects().length > 0; }
  function box(e, origin) {
    const r = e.getBoundingClientRect();
    return { l: (r.left - origin.left) / zoom, t: (r.top - origin.top) / zoom, r: (r.right - origin.left) / zoom,
             b: (r.bottom - origin.top) / zoom, w: r.width / zoom, h: r.height / zoom };
  }
  function path(d, cls, width, colour) {
    const p = document.createElementNS(SVG, "path");
    p.setAttribute("d", d);
    p.setAttribute("class", cls);
    if (width) { p.setAttribute("stroke-width", String(width)); }
    if (colour) { p.style.stroke = colour; }
    layers.appendChild(p);
  }
  function draw() {
    while (layers.firstChild) { layers.removeChild(layers.firstChild); }
    layers.setAttribute("width", String(sheet.scrollWidth));
    layers.setAttribute("height", String(sheet.scrollHeight));
    const origin = sheet.getBoundingClientRect();
    const boxes = {};
    function at(id) {
      if (!(id in boxes)) { boxes[id] = shown(cardOf[id]) ? box(cardOf[id], origin) : null; }
      return boxes[id];
    }
    let drawn = 0;
    const byDivision = layer.division && (data.divisions || []).length > 0;
    data.edges.forEach(function (e) {
      const mine = selected && (e.from === selected || e.to === selected);
      const coloured = byDivision && e.edge === "relationship";
      if (!(layer[e.edge] && !far[e.id]) && !mine && !coloured) { return; }
      if (!layer[e.edge] && e.edge === "reports_to") { return; }
      const a = at(e.from), b = at(e.to);
      if (!a || !b) { return; }
      drawn++;
      const hot = mine ? " hot" : "";
      if (e.edge === "reports_to") {       // a (report) → b (manager)
        if (!far[e.id]) {
          path("M" + (b.l + 8) + " " + b.b + " V" + (a.t + a.h / 2) + " H" + a.l, "l-report" + hot);
        } else {
          const x1 = a.l + a.w / 2, y1 = a.t, x2 = b.l + b.w / 2, y2 = b.b, my = (y1 + y2) / 2;
          path("M" + x1 + " " + y1 + " C" + x1 + " " + my + " " + x2 + " " + my + " " + x2 + " " + y2, "l-report far" + hot);
        }
      } else {
        const x1 = a.l + a.w / 2, y1 = a.t + a.h / 2, x2 = b.l + b.w / 2, y2 = b.t + b.h / 2;
        const bend = 0.2, cx = (x1 + x2) / 2 - (y2 - y1) * bend, cy = (y1 + y2) / 2 + (x2 - x1) * bend;
        const cls = e.edge === "influences" ? (e.rival ? "l-rival" : "l-influence")
          : coloured ? "l-ours l-division" : "l-ours";
        const s = e.edge === "influences" ? e.weight : e.strength;
        path("M" + x1 + " " + y1 + " Q" + cx + " " + cy + " " + x2 + " " + y2, cls + hot,
             (1 + 3 * (s === null || s === undefined ? 0.5 : s)) * (mine ? 1.5 : 1),
             coloured ? divisionColour(e.division) : null);
      }
    });
    body.setAttribute("data-lines", String(drawn));
    body.classList.toggle("by-division", byDivision);
    groups.team.forEach(function (id) {  // our people's chips and initials take their division's colour too
      if (cardOf[id]) { cardOf[id].style.borderColor = byDivision ? (divisionColour(byId[id].division) || "") : ""; }
    });
    if (byDivision !== paintedByDivision) {
      paintedByDivision = byDivision;
      sheet.querySelectorAll(".ini[data-division]").forEach(function (ini) {
        ini.style.background = byDivision ? (divisionColour(ini.dataset.division || null) || "") : "";
      });
    }
  }
  let pending = 0;
  function changed() {
    if (pending) { return; }
    pending = requestAnimationFrame(function () { pending = 0; draw(); count(); });
  }
  window.addEventListener("resize", changed);
  document.querySelectorAll("input[data-layer]").forEach(function (box_) {
    box_.checked = layer[box_.dataset.layer];
    box_.addEventListener("change", function () { layer[box_.dataset.layer] = box_.checked; changed(); });
  });

  // ----- revealing and selecting a person; the person panel
  function reveal(id) {  // open every collapsed group around the card
    for (let s = cardOf[id] && cardOf[id].parentElement; s; s = s.parentElement) {
      if (s.open) { s.open(); }
    }
  }
  function select(id, scroll) {
    if (!cardOf[id]) { return; }
    if (selected && cardOf[selected]) { cardOf[selected].classList.remove("selected"); }
    selected = id;
    reveal(id);
    cardOf[id].classList.add("selected");
    if (scroll) { cardOf[id].scrollIntoView({ block: "center", inline: "center" }); }
    panel.open(id, cardOf[id]);
    changed();
  }
  sheet.addEventListener("click", function (event) {
    const target = event.target.closest(".card, .team-chip");
    if (target) { select(target.dataset.id, false); }
  });
  sheet.addEventListener("keydown", function (event) {
    const target = event.target.closest && event.target.closest(".card, .team-chip");
    if (target && (event.key === "Enter" || event.key === " ")) { event.preventDefault(); select(target.dataset.id, false); }
  });

  // ----- filters (department names, role and stance words) and search as you type
  const filters = { department: "", role: "", stance: "", competitor: "" };
  function fill(select_, values, key) {
    if (!select_) { return; }
    values.forEach(function (v) {
      const o = el("option", "", v[1]);
      o.value = v[0];
      select_.appendChild(o);
    });
    select_.addEventListener("change", function () { filters[key] = select_.value; apply(); });
  }
  fill(document.getElementById("filter-department"), data.departments || [], "department");
  fill(document.getElementById("filter-role"), ["decider", "influencer", "gatekeeper", "buyer", "user", "initiator"]
    .map(function (r) { return [r, say(r)]; }), "role");
  fill(document.getElementById("filter-stance"), ["3", "2", "1", "0", "-1", "unknown"]
    .map(function (s) { return [s, s === "unknown" ? say("unknown_short") : say(s)]; }), "stance");
  fill(document.getElementById("filter-competitor"), (data.competitors || []).map(function (c) { return [c, c]; }),
    "competitor");
  function keep(n) {
    if (n.kind !== "contact") { return true; }
    if (filters.department && n.department_id !== filters.department) { return false; }
    if (filters.role && (n.roles || []).indexOf(filters.role) < 0) { return false; }
    if (filters.competitor && n.competitor !== filters.competitor) { return false; }
    if (filters.stance) {
      const s = n.stance === null || n.stance === undefined ? "unknown" : String(n.stance);
      if (s !== filters.stance) { return false; }
    }
    return true;
  }
  function apply() {
    const active = filters.department || filters.role || filters.stance || filters.competitor;
    data.nodes.forEach(function (n) {
      const ok = keep(n);
      cardOf[n.id].hidden = !ok;
      if (ok && active) { reveal(n.id); }
    });
    document.querySelectorAll("section.dept, section.account").forEach(function (s) {
      s.classList.toggle("emptied", !!active && !s.querySelector(".card:not([hidden])"));
    });
    changed();
  }
  function count() {
    let n = 0;
    data.nodes.forEach(function (node) { if (node.kind === "contact" && shown(cardOf[node.id])) { n++; } });
    body.setAttribute("data-shown", String(n));
  }
  const search = document.getElementById("search");
  const status = document.getElementById("search-status");
  if (search) {
    search.addEventListener("input", function () {
      const q = search.value.trim().toLowerCase();
      let hits = [];
      data.nodes.forEach(function (n) {
        const p = (data.panels || {})[n.id] || {};
        const hit = q !== "" && ((p.name || n.name || "").toLowerCase().indexOf(q) >= 0 ||
          (p.title || "").toLowerCase().indexOf(q) >= 0 || (n.record || "").toLowerCase() === q);
        cardOf[n.id].classList.toggle("hit", hit);
        if (hit) { hits.push(n.id); }
      });
      if (status) { status.textContent = q === "" ? "" : hits.length ? say("matches", { n: hits.length }) : say("no_match", { q: search.value.trim() }); }
      body.setAttribute("data-matches", String(hits.length));
      if (hits.length) {
        hits.forEach(reveal);
        cardOf[hits[0]].scrollIntoView({ block: "center", inline: "center" });
      }
      changed();
      search.hits = hits;
    });
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && search.hits && search.hits.length) { event.preventDefault(); select(search.hits[0], true); }
    });
  }
  document.querySelectorAll(".decider-list button[data-id]").forEach(function (b) {
    b.addEventListener("click", function () { select(b.dataset.id, true); });
  });
  const list = document.querySelector(".decider-list ul");
  if (list) {
    data.nodes.filter(function (n) { return (n.roles || []).indexOf("decider") >= 0; }).forEach(function (n) {
      const li = el("li");
      const b = personButton(n.id, n.name);
      b.classList.add(stanceClass(n.stance));
      li.appendChild(b);
      if (n.title) { li.appendChild(el("span", "note", " " + n.title)); }
      list.appendChild(li);
    });
  }

  // ----- the competitor filter preset from the address (?competitor=Siemens)
  const preset = new URLSearchParams(location.search).get("competitor");
  const rivalSelect = document.getElementById("filter-competitor");
  if (preset && rivalSelect && (data.competitors || []).indexOf(preset) >= 0) {
    rivalSelect.value = preset;
    filters.competitor = preset;
    apply();
  }

  // ----- focus (from the gap report), then ready
  const focus = (data.focus || []).map(function (r) { return "contact:" + r; }).filter(function (id) { return cardOf[id]; });
  focus.forEach(function (id) { reveal(id); cardOf[id].classList.add("focus"); });
  if (focus.length) { cardOf[focus[0]].scrollIntoView({ block: "center", inline: "center" }); }
  body.setAttribute("data-drawn", String(data.nodes.length));
  // export mode: the sheet width whose scaled chart fills the map best, then the check the
  // tests read: every card inside the map (data-export-inside = data-export-nodes), no controls.
  // The chart is measured by what it draws (the cards, groups and team strip), not by the sheet's
  // box (its padding), and may be enlarged up to ENLARGE× so that a small account stays readable.
  // It also reports the chart's natural extent (unscaled) with the sheet as wide as the map less
  // its margins (data-export-content-width/height), the map's width, the margin and the page's
  // height around the map (data-export-frame-width, -margin, -chrome-height): `powermap map`
  // sizes the picture from them (org_chart_height) in a first pass.
  const MARGIN = 16, ENLARGE = 2;  // white pixels around the chart; the largest enlargement
  function extent() {  // the drawn chart's box in the sheet's own (unscaled) pixels
    const origin = sheet.getBoundingClientRect();
    let l = Infinity, t = Infinity, r = -Infinity, b = -Infinity;
    sheet.querySelectorAll(".team-strip > *, section.account, .card").forEach(function (e) {
      const x = e.getBoundingClientRect();
      if (!x.width && !x.height) { return; }
      l = Math.min(l, x.left); t = Math.min(t, x.top); r = Math.max(r, x.right); b = Math.max(b, x.bottom);
    });
    if (l === Infinity) { return { l: 0, t: 0, w: 1, h: 1 }; }
    return { l: (l - origin.left) / zoom, t: (t - origin.top) / zoom, w: (r - l) / zoom, h: (b - t) / zoom };
  }
  function fitForExport() {
    const W = map.clientWidth, H = map.clientHeight, innerW = W - 2 * MARGIN, innerH = H - 2 * MARGIN;
    zoom = 1;
    sheet.style.transform = "none";
    sheet.style.width = innerW + "px";
    const natural = extent();
    // sheet widths from half the map's width up, in steps of 10 % through the map's own width:
    // the chart grows wider and shorter, until its width is what limits the scale (a still wider
    // sheet would only shrink it); the largest scale wins, and of equal ones the fuller picture
    let best = null;
    for (let k = -7; k < 40; k++) {
      const w = Math.round(innerW * Math.pow(1.1, k));
      sheet.style.width = w + "px";
      const e = extent();
      const s = Math.min(ENLARGE, innerW / e.w, innerH / e.h);
      const fill = s * e.w / innerW + s * e.h / innerH;
      if (!best || s > best.s + 1e-4 || (s > best.s - 1e-4 && fill > best.fill + 1e-4)) { best = { s: s, w: w, fill: fill }; }
      if (e.w * innerH >= e.h * innerW) { break; }
    }
    sheet.style.width = best.w + "px";
    const e = extent();
    zoom = best.s;
    const x = (W - zoom * e.w) / 2 - zoom * e.l, y = MARGIN - zoom * e.t;  // centred across, at the top
    sheet.style.transformOrigin = "0 0";
    sheet.style.transform = "translate(" + x + "px, " + y + "px) scale(" + zoom + ")";
    const frame = map.getBoundingClientRect();
    const people = document.querySelectorAll(".card, .team-chip");
    let inside = 0;
    people.forEach(function (c) {
      const r = c.getBoundingClientRect();
      if (r.left >= frame.left && r.top >= frame.top && r.right <= frame.right && r.bottom <= frame.bottom) { inside++; }
    });
    const controls = Array.prototype.filter.call(document.querySelectorAll("input, select, button, nav"),
      function (e) { return e.getClientRects().length > 0; }).length;
    body.setAttribute("data-export-nodes", String(people.length));
    body.setAttribute("data-export-inside", String(inside));
    body.setAttribute("data-controls", String(controls));
    body.setAttribute("data-export-content-width", String(Math.ceil(natural.w)));
    body.setAttribute("data-export-content-height", String(Math.ceil(natural.h)));
    body.setAttribute("data-export-frame-width", String(W));
    body.setAttribute("data-export-margin", String(MARGIN));
    body.setAttribute("data-export-chrome-height", String(Math.round(body.getBoundingClientRect().height - H)));
    body.setAttribute("data-export-scale", zoom.toFixed(3));
  }

  // at once, not on the next animation frame: a headless Chromium that dumps the page or takes
  // its picture under load may not have run a frame yet (reading the layout forces it anyway)
  if (exporting) { fitForExport(); }
  draw();
  count();
  if (exporting) { body.setAttribute("data-export-ready", "1"); }
  body.setAttribute("data-draw-ms", String(Math.round(performance.now())));
  body.setAttribute("data-ready", "1");
})();
