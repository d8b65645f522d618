// The gap report's filters and sorting: shows, hides and reorders the findings the server
// wrote (tbody.finding) by their data- attributes; nothing is built from user text.
// The filters start from the address (?type=&severity=&department=&subsidiary=&sort=)
// and are kept in it, so a filtered report can be shared as a link.
(function () {
  "use strict";
  var table = document.querySelector("table.findings");
  if (!table) { return; }
  var body = document.body;
  var findings = Array.prototype.slice.call(table.querySelectorAll("tbody.finding"));
  var selects = Array.prototype.slice.call(document.querySelectorAll("select[data-filter]"));
  var sort = document.getElementById("sort");
  var shown = document.getElementById("shown");
  var empty = document.getElementById("no-finding");
  var params = new URLSearchParams(location.search);
  var attribute = { type: "types", severity: "severity", department: "departments", subsidiary: "subsidiaries" };

  function values(finding, name) {
    var v = finding.getAttribute("data-" + name);
    return v ? v.split("\n") : [];
  }
  function choose(select, wanted) {
    if (wanted !== null && Array.prototype.some.call(select.options, function (o) { return o.value === wanted; })) {
      select.value = wanted;
    }
  }
  selects.concat(sort ? [sort] : []).forEach(function (select) {
    choose(select, params.get(select.getAttribute("data-filter") || "sort"));
    select.addEventListener("change", apply);
  });

  function keep(finding) {
    return selects.every(function (s) {
      return !s.value || values(finding, attribute[s.getAttribute("data-filter")]).indexOf(s.value) >= 0;
    });
  }
  function number(f) { return Number(f.getAttribute("data-number")); }
  var keys = {
    severity: function (f) { return [number(f)]; },
    gaps: function (f) { return [-Number(f.getAttribute("data-gaps")), number(f)]; },
    subject: function (f) { return [f.getAttribute("data-subject"), number(f)]; },
    owner: function (f) { return [f.getAttribute("data-owner"), number(f)]; },
    subsidiary: function (f) { return [f.getAttribute("data-subsidiary"), number(f)]; }
  };
  function compare(a, b) {
    for (var i = 0; i < a.length; i++) {
      var c = typeof a[i] === "number" ? a[i] - b[i] : a[i].localeCompare(b[i]);
      if (c) { return c; }
    }
    return 0;
  }

  function apply() {
    var count = 0;
    findings.forEach(function (f) {
      f.hidden = !keep(f);
      if (!f.hidden) { count += 1; }
    });
    var key = keys[sort && sort.value] || keys.severity;
    var ordered = findings.slice().sort(function (a, b) { return compare(key(a), key(b)); });
    ordered.forEach(function (f) { table.appendChild(f); });
    shown.textContent = String(count);
    empty.hidden = count !== 0;
    body.setAttribute("data-shown", String(count));
    body.setAttribute("data-order", ordered.filter(function (f) { return !f.hidden; }).map(number).join(","));
    var query = new URLSearchParams(location.search);
    selects.concat(sort ? [sort] : []).forEach(function (s) {
      var name = s.getAttribute("data-filter") || "sort";
      if (s.value && !(name === "sort" && s.value === "severity")) { query.set(name, s.value); } else { query.delete(name); }
    });
    var search = query.toString();
    if (history.replaceState && location.protocol !== "file:") {
      history.replaceState(null, "", location.pathname + (search ? "?" + search : ""));
    }
  }
  apply();
  body.setAttribute("data-ready", "1");
})();
