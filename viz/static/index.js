// The index page: (1) as you type, hides the accounts of this page whose text does not
// contain it and says when none is left (Enter searches every account and person on the
// server: the form's GET /?q=…); (2) fills in the figures the server had not computed yet
// (rows with data-counts), two requests at a time, with textContent only.
(function () {
  "use strict";
  var body = document.body;
  var box = document.getElementById("filter-accounts");
  var none = document.getElementById("no-row");
  var rows = document.querySelectorAll("tr[data-search]");
  if (box) {
    box.addEventListener("input", function () {
      var q = box.value.trim().toLowerCase();
      var left = 0;
      rows.forEach(function (row) {
        row.hidden = q !== "" && row.getAttribute("data-search").indexOf(q) < 0;
        if (!row.hidden) { left += 1; }
      });
      if (none) { none.hidden = !(rows.length && q !== "" && left === 0); }
      body.setAttribute("data-rows", String(left));
    });
  }

  var waiting = Array.prototype.slice.call(document.querySelectorAll("tr[data-counts]"));
  var pending = waiting.length;
  body.setAttribute("data-counts-pending", String(pending));
  function cell(row, name, value) {
    var td = row.querySelector("td." + name);
    if (td) { td.textContent = value; }
  }
  function done() {
    pending -= 1;
    body.setAttribute("data-counts-pending", String(pending));
  }
  function next() {
    var row = waiting.shift();
    if (!row) { return; }
    var url = row.getAttribute("data-counts");
    if (url.charAt(0) !== "/" || url.charAt(1) === "/") { done(); next(); return; }  // this server only
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (c) {
        var g = c.gaps || {};
        cell(row, "contacts", String(c.contacts));
        cell(row, "coverage", c.coverage === null || c.coverage === undefined ? "" : Math.round(c.coverage * 100) + "%");
        cell(row, "gaps", [g.high, g.medium, g.low].join("/"));
        row.removeAttribute("data-counts");
      })
      .catch(function () { cell(row, "gaps", "?"); })
      .then(function () { done(); next(); });
  }
  next();
  next();
})();
