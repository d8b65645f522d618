// powermap network maps (influence, decision unit, group): reads the map's JSON (a data
// block, never markup), draws it with vis-network, and wires the filters, the search and focus.
// Every user string reaches the page through textContent or the canvas, never innerHTML.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("map-data").textContent);
  var body = document.body;

  function tip(lines) {
    var box = document.createElement("div");
    box.className = "pm-tip";
    (lines || []).forEach(function (line, i) {
      var row = document.createElement("div");
      row.textContent = line;
      if (i === 0) { row.className = "pm-tip-head"; }
      box.appendChild(row);
    });
    return box;
  }

  data.nodes.forEach(function (n) { n.title = tip(n.tip); delete n.tip; });
  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges);
  var options = typeof data.options === "string" ? JSON.parse(data.options) : data.options;
  var container = document.getElementById("map");
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, options);
  window.powermapMap = { network: network, nodes: nodes };  // for export.js (export mode)

  function visibleCount() {
    return nodes.get({ filter: function (n) { return !n.hidden; } }).length;
  }

  // ----- the person panel: a click on a person (or a name in the panel) opens theirs
  var panel = window.powermapPanel(data, {
    has: function (id) { return !!nodes.get(id); },
    pick: function (id) {
      network.selectNodes([id]);
      network.focus(id, { scale: Math.max(network.getScale(), 1), animation: false });
      panel.open(id);
    },
    closed: function () { network.unselectAll(); }
  });

  var say = panel.say;

  network.once("afterDrawing", function () {
    if (!(data.focus && data.focus.length)) {
      // a small map may grow up to 1.5×; a margin, so that no label is cut at the edges
      network.fit({ animation: false, maxZoomLevel: 1.5 });
      network.moveTo({ scale: network.getScale() * 0.88, animation: false });
    }
    body.setAttribute("data-draw-ms", String(Math.round(performance.now())));
    body.setAttribute("data-drawn", String(visibleCount()));
    body.setAttribute("data-edges", String(edges.length));
    if (data.focus && data.focus.length) {
      var ids = data.focus.map(function (id) { return "contact:" + id; }).filter(function (id) { return nodes.get(id); });
      network.selectNodes(ids);
      if (ids.length) { network.fit({ nodes: ids, animation: false }); }
    }
    body.setAttribute("data-ready", "1");
  });

  // ----- filters: department (names), role and stance (words)
  var filters = { department: "", role: "", stance: "", competitor: "" };
  function fill(select, values, label) {
    if (!select) { return; }
    values.forEach(function (v) {
      var o = document.createElement("option");
      o.value = v[0];
      o.textContent = v[1];
      select.appendChild(o);
    });
    select.addEventListener("change", function () { filters[label] = select.value; apply(); });
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
      var s = n.stance === null || n.stance === undefined ? "unknown" : String(n.stance);
      if (s !== filters.stance) { return false; }
    }
    return true;
  }
  function apply() {
    nodes.update(nodes.get().map(function (n) { return { id: n.id, hidden: !keep(n) }; }));
    body.setAttribute("data-drawn", String(visibleCount()));
  }

  // the competitor filter preset from the address (?competitor=Siemens)
  var preset = new URLSearchParams(location.search).get("competitor");
  var rivalSelect = document.getElementById("filter-competitor");
  if (preset && rivalSelect && (data.competitors || []).indexOf(preset) >= 0) {
    rivalSelect.value = preset;
    filters.competitor = preset;
    apply();
  }

  // ----- search as you type: selects the people whose name or title matches, says when none does
  var search = document.getElementById("search");
  var status = document.getElementById("search-status");
  if (search) {
    search.addEventListener("input", function () {
      var q = search.value.trim().toLowerCase();
      var hits = q === "" ? [] : nodes.get({ filter: function (n) {
        return n.kind !== "account" && ((n.name || "").toLowerCase().indexOf(q) >= 0 ||
          (n.record || "").toLowerCase() === q);
      } }).map(function (n) { return n.id; });
      network.selectNodes(hits);
      if (status) { status.textContent = q === "" ? "" : hits.length ? say("matches", { n: hits.length }) : say("no_match", { q: search.value.trim() }); }
      body.setAttribute("data-matches", String(hits.length));
      if (hits.length) {
        network.fit({ nodes: hits, animation: false });
        if (hits.length === 1) { network.moveTo({ scale: Math.min(network.getScale(), 1.2), animation: false }); }
        body.setAttribute("data-focused", hits[0]);
      }
      search.hits = hits;
    });
    search.addEventListener("keydown", function (event) {  // Enter: the first match's panel
      if (event.key === "Enter" && search.hits && search.hits.length) { event.preventDefault(); panel.open(search.hits[0], search); }
    });
  }

  // ----- click-through (group map): only to paths on this server
  network.on("click", function (event) {
    var id = event.nodes && event.nodes[0];
    if (id && data.panels && data.panels[id]) { panel.open(id, container); }
    var link = id && data.links && data.links[id];
    if (link && link.charAt(0) === "/" && link.charAt(1) !== "/" && location.protocol !== "file:") {
      location.assign(link);
    }
  });
  network.on("dragStart", function () { network.setOptions({ physics: { enabled: false } }); });
})();
