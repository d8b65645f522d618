// powermap map page: reads the map's JSON (a data block, never markup), draws it with
// vis-network, and wires the legend's filters, the search box, focus and clusters.
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

  network.once("afterDrawing", function () {
    if (!(data.focus && data.focus.length)) { network.fit({ animation: false }); }
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

  // ----- filters: department, role, stance
  var filters = { department: "", role: "", stance: "" };
  function fill(select, values, label) {
    if (!select) { return; }
    values.forEach(function (v) {
      var o = document.createElement("option");
      o.value = v.value;
      o.textContent = v.label;
      select.appendChild(o);
    });
    select.addEventListener("change", function () { filters[label] = select.value; apply(); });
  }
  var seen = {}, departments = [];
  data.nodes.forEach(function (n) {
    if (n.department_id && !seen[n.department_id]) {
      seen[n.department_id] = true;
      departments.push({ value: n.department_id, label: n.department_id });
    }
  });
  departments.sort(function (a, b) { return a.label < b.label ? -1 : 1; });
  fill(document.getElementById("filter-department"), departments, "department");
  fill(document.getElementById("filter-role"), ["decider", "influencer", "gatekeeper", "buyer", "user", "initiator"]
    .map(function (r) { return { value: r, label: r }; }), "role");
  fill(document.getElementById("filter-stance"), ["-1", "0", "1", "2", "3", "unknown"]
    .map(function (s) { return { value: s, label: s }; }), "stance");

  function keep(n) {
    if (n.kind !== "contact") { return true; }
    if (filters.department && n.department_id !== filters.department) { return false; }
    if (filters.role && (n.roles || []).indexOf(filters.role) < 0) { return false; }
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

  // ----- search: focus a person by name or id
  var search = document.getElementById("search");
  if (search) {
    search.addEventListener("change", function () {
      var q = search.value.trim().toLowerCase();
      if (!q) { return; }
      var hit = nodes.get({ filter: function (n) {
        return (n.name || "").toLowerCase().indexOf(q) >= 0 || (n.record || "").toLowerCase() === q;
      } })[0];
      if (hit) {
        network.selectNodes([hit.id]);
        network.focus(hit.id, { scale: 1.2, animation: false });
        body.setAttribute("data-focused", hit.id);
      }
    });
  }

  // ----- click-through (group map): only to paths on this server
  network.on("click", function (event) {
    var id = event.nodes && event.nodes[0];
    var link = id && data.links && data.links[id];
    if (link && link.charAt(0) === "/" && link.charAt(1) !== "/" && location.protocol !== "file:") {
      location.assign(link);
    }
  });

  // ----- big accounts: departments collapsed into expandable clusters
  if (data.clustered) {
    departments.forEach(function (d) {
      network.cluster({
        joinCondition: function (n) { return n.department_id === d.value; },
        clusterNodeProperties: { id: "cluster:" + d.value, label: d.label, shape: "database", color: "#e8eaed" }
      });
    });
    network.on("doubleClick", function (event) {
      var id = event.nodes && event.nodes[0];
      if (id && network.isCluster(id)) { network.openCluster(id); }
    });
    body.setAttribute("data-clusters", String(departments.filter(function (d) {
      return network.isCluster("cluster:" + d.value);
    }).length));
  }
  network.on("dragStart", function () { network.setOptions({ physics: { enabled: false } }); });
})();
