// The index page's search: hides the rows whose text does not contain what was typed.
(function () {
  "use strict";
  var box = document.getElementById("filter-accounts");
  if (!box) { return; }
  box.addEventListener("input", function () {
    var q = box.value.trim().toLowerCase();
    document.querySelectorAll("tr[data-search]").forEach(function (row) {
      row.hidden = q !== "" && row.getAttribute("data-search").indexOf(q) < 0;
    });
  });
})();
