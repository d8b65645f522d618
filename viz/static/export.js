// Export mode (body.pm-export): fit the whole network into the canvas with a margin, again
// whenever the canvas changes size, and record whether every person (with their label) is
// inside it: data-export-nodes, data-export-inside, data-controls (visible controls, 0).
// Reads the network map.js publishes as window.powermapMap; changes nothing else.
(function () {
  "use strict";
  var body = document.body;
  var map = window.powermapMap;
  if (!map || !body.classList.contains("pm-export")) { return; }
  var network = map.network, nodes = map.nodes;

  function check() {
    var canvas = document.querySelector("#map canvas");
    var width = canvas ? canvas.clientWidth : 0, height = canvas ? canvas.clientHeight : 0;
    var total = 0, inside = 0;
    nodes.getIds().forEach(function (id) {
      if (nodes.get(id).hidden) { return; }
      var box = network.getBoundingBox(id);
      if (!box) { return; }
      total += 1;
      var a = network.canvasToDOM({ x: box.left, y: box.top }), b = network.canvasToDOM({ x: box.right, y: box.bottom });
      if (a.x >= 0 && a.y >= 0 && b.x <= width && b.y <= height) { inside += 1; }
    });
    var controls = Array.prototype.filter.call(document.querySelectorAll("input, select, button, nav"),
      function (el) { return el.getClientRects().length > 0; }).length;
    body.setAttribute("data-export-nodes", String(total));
    body.setAttribute("data-export-inside", String(inside));
    body.setAttribute("data-controls", String(controls));
  }
  function fit() {
    network.fit({ animation: false });
    network.moveTo({ scale: network.getScale() * 0.94, animation: false });  // a margin for the labels
    check();
  }
  // The parser may let vis-network draw before this script runs, so do not wait for "the first"
  // drawing: ask for one now (redraw draws at once) and finish after it.
  network.once("afterDrawing", function () { fit(); body.setAttribute("data-export-ready", "1"); });
  network.on("resize", fit);
  network.redraw();
})();
