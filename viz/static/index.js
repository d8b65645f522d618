// The index page's search: as you type, hides the accounts of this page whose text does
// not contain it and says when none is left; Enter searches every account and person
// on the server (the form's GET /?q=…).
(function () {
  "use strict";
  var box = document.getElementById("filter-accounts");
  if (!box) { return; }
  var none = document.getElementById("no-row");
  var rows = document.querySelectorAll("tr[data-search]");
  box.addEventListener("input", function () {
    var q = box.value.trim().toLowerCase();
    var left = 0;
    rows.forEach(function (row) {
      row.hidden = q !== "" && row.getAttribute("data-search").indexOf(q) < 0;
      if (!row.hidden) { left += 1; }
    });
    if (none) { none.hidden = !(rows.length && q !== "" && left === 0); }
    document.body.setAttribute("data-rows", String(left));
  });
})();
