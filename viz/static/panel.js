// powermap person panel, shared by the map pages: fills the page's [data-panel=person]
// from the map's JSON (every string with textContent), gives the focus to its close
// button, and closes on Escape, handing the focus back to what opened it.
// window.powermapPanel(data, {has(id), pick(id), closed()}) → {open(id, opener), close(), el, say}
(function () {
  "use strict";
  window.powermapPanel = function (data, hooks) {
    const W = data.words || {};
    const panel = document.querySelector("[data-panel=person]");
    let opener = null;

    function el(tag, cls, textValue) {
      const e = document.createElement(tag);
      if (cls) { e.className = cls; }
      if (textValue !== undefined && textValue !== null) { e.textContent = String(textValue); }
      return e;
    }
    function say(key, values) {
      let s = W[key] || key;
      Object.keys(values || {}).forEach(function (k) { s = s.split("{" + k + "}").join(String(values[k])); });
      return s;
    }
    function personButton(id, name) {
      const b = el("button", "person-link", name);
      b.type = "button";
      b.addEventListener("click", function (event) { event.stopPropagation(); hooks.pick(id); });
      return b;
    }
    function row(into, label, content) {
      into.appendChild(el("dt", "", label));
      const dd = el("dd");
      if (content instanceof Node) { dd.appendChild(content); } else { dd.textContent = content; }
      into.appendChild(dd);
    }
    function people(list, extra) {
      if (!list || !list.length) { return el("span", "none", say("none")); }
      const ul = el("ul");
      list.forEach(function (item) {
        const li = el("li");
        const who = item.who || item;
        li.appendChild(hooks.has(who[0]) ? personButton(who[0], who[1]) : el("span", "", who[1]));
        const note = extra ? extra(item) : "";
        if (note) { li.appendChild(el("span", "note", " " + note)); }
        ul.appendChild(li);
      });
      return ul;
    }
    function lines(list, empty) {
      if (!list || !list.length) { return el("span", "none", say(empty)); }
      const ul = el("ul");
      list.forEach(function (line) { ul.appendChild(el("li", "", line)); });
      return ul;
    }
    function number(v) { return v === null || v === undefined ? "" : Number(v).toFixed(1); }
    function weight(r) { return number(r.weight) + (r.rival ? " ⚔" : ""); }

    function open(id, from) {
      const p = (data.panels || {})[id];
      if (!panel || !p) { return false; }
      const content = panel.querySelector(".panel-body");
      while (content.firstChild) { content.removeChild(content.firstChild); }
      panel.querySelector("#panel-name").textContent = p.name;
      const dl = el("dl");
      row(dl, say("title"), p.title || "—");
      row(dl, say("department"), [p.department, p.account].filter(Boolean).join(" · ") || "—");
      if (!p.team) {
        row(dl, say("roles"), (p.roles || []).join(", ") || "—");
        row(dl, say("stance"), p.stance === null || p.stance === undefined ? say("unknown_short") : say(String(p.stance)));
      }
      row(dl, say("known_by"), people(p.ours, function (r) {
        return say("strength") + " " + number(r.strength) + " · " + say("last") + " " + (r.last || say("never"));
      }));
      if (!p.team) {
        row(dl, say("manager"), people(p.manager ? [p.manager] : []));
        row(dl, say("reports"), people(p.reports));
        row(dl, say("influenced_by"), people(p.influenced_by, weight));
        row(dl, say("influences_whom"), people(p.influences, weight));
        row(dl, say("panel_gaps"), lines(p.gaps, "none"));
        if (p.plan && p.plan.length) { row(dl, say("panel_plan"), lines(p.plan, "none")); }
      }
      row(dl, say("next_move"), lines(p.next, p.next ? "none" : "moves_skipped"));
      if (p.email) { row(dl, say("email"), p.email); }
      if (p.phone) { row(dl, say("phone"), p.phone); }
      content.appendChild(dl);
      panel.hidden = false;
      panel.dataset.person = id;
      if (from) { opener = from; }
      panel.querySelector(".panel-close").focus();
      document.body.setAttribute("data-selected", id);
      return true;
    }
    function close() {
      if (!panel || panel.hidden) { return; }
      panel.hidden = true;
      delete panel.dataset.person;
      if (hooks.closed) { hooks.closed(); }
      if (opener) { opener.focus(); opener = null; }
    }
    if (panel) { panel.querySelector(".panel-close").addEventListener("click", close); }
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { close(); }
    });
    return { open: open, close: close, el: el, say: say, personButton: personButton };
  };
})();
