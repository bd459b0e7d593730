/*
 * Patron dashboard (browser side, no build step): fetches the /v1/dashboard/* JSON with the API
 * key kept in localStorage, puts each job's section (the report's own HTML) into the page and
 * draws its Vega-Lite specs with vega-embed (served by the service from node_modules), then
 * runs the page's widgets: the overview, the filterable activity-risk list, recent decisions and
 * the segment migration matrix. Data values are inserted as text, never as HTML; only the
 * sections' HTML — made by the service's own report code — is inserted as HTML.
 *
 * When every part of the page has been drawn, <body data-ready="1"> (the browser tests wait on it).
 */
(function () {
  "use strict";
  var KEY = "patron.apiKey";
  var page = document.body.getAttribute("data-page");
  var pending = 0;

  function begin() { pending++; }
  function end() { pending--; if (pending === 0) document.body.setAttribute("data-ready", "1"); }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) for (var k in attrs) if (attrs[k] !== undefined && attrs[k] !== null) node.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function AuthError(message) { this.message = message; }

  function showKeyForm(message) {
    var form = document.getElementById("key-form");
    form.hidden = false;
    document.getElementById("key-change").hidden = true;
    form.querySelector(".key-message").textContent = message || "";
  }

  function api(path) {
    var key = localStorage.getItem(KEY);
    if (!key) return Promise.reject(new AuthError("Enter an API key with the read scope (patron keys create --name dashboard --scope read)."));
    return fetch(path, { headers: { "x-api-key": key, accept: "application/json" } }).then(function (response) {
      return response.json().then(function (body) {
        if (response.status === 401 || response.status === 403) throw new AuthError(body.error ? body.error.message : "the key was refused");
        if (!response.ok) throw new Error(body.error ? body.error.code + ": " + body.error.message : "HTTP " + response.status);
        return body;
      });
    });
  }

  function failure(container, error) {
    if (error instanceof AuthError) {
      showKeyForm(error.message);
      container.replaceChildren(el("p", { class: "not-run-note" }, "Needs an API key: enter one above."));
      return;
    }
    container.replaceChildren(el("p", { class: "job-error" }, "Could not load: " + error.message));
  }

  /** Draws every chart placeholder inside `root` from `specs`. */
  function embedCharts(root, specs) {
    var charts = root.querySelectorAll(".chart[data-spec]");
    var jobs = [];
    charts.forEach(function (chart) {
      var spec = specs[chart.getAttribute("data-spec")];
      if (!spec) return;
      // The sections name the v5 schema; the served Vega-Lite (v6) reads them unchanged, so
      // drop the URL rather than have vega-embed warn about the version on every chart.
      spec = Object.assign({}, spec);
      delete spec.$schema;
      jobs.push(window.vegaEmbed(chart, spec, { actions: false, renderer: "svg" }).then(function () {
        chart.setAttribute("data-rendered", "1");
      }));
    });
    return Promise.all(jobs);
  }

  function sectionNode(payload) {
    var wrap = el("article", { class: "job", id: "job-" + payload.id, "data-job": payload.id, "data-status": payload.status });
    if (payload.status === "done" && payload.html) {
      wrap.innerHTML = payload.html;
      return wrap;
    }
    wrap.appendChild(el("h2", null, payload.title));
    if (payload.status === "failed") {
      wrap.appendChild(el("p", { class: "job-error" }, "The stored result could not be read: " + (payload.error || "unknown error") + ". Run " + payload.command + " again."));
    } else {
      var note = el("p", { class: "not-run-note" });
      if (payload.notRunNote) note.textContent = payload.notRunNote;
      else {
        note.appendChild(document.createTextNode("Not run yet: run "));
        note.appendChild(el("code", null, payload.command));
        note.appendChild(document.createTextNode(" to see this section."));
      }
      wrap.appendChild(note);
    }
    return wrap;
  }

  function loadSection(slot) {
    var job = slot.getAttribute("data-job");
    begin();
    api("/v1/dashboard/sections/" + encodeURIComponent(job))
      .then(function (payload) {
        var node = sectionNode(payload);
        slot.replaceChildren(node);
        return embedCharts(node, payload.specs || {});
      })
      .catch(function (error) { failure(slot, error); })
      .then(end);
  }

  /* ---------- formatting ---------- */
  function formatCell(column, value) {
    if (value === null || value === undefined) return "–";
    if (typeof value === "boolean") return value ? "yes" : "no";
    if (typeof value === "number") {
      if (/probab|risk|share|rate|score/.test(column) && value >= 0 && value <= 1) return (value * 100).toFixed(1) + " %";
      return Number.isInteger(value) ? value.toLocaleString("en-US") : value.toLocaleString("en-US", { maximumFractionDigits: 2 });
    }
    if (Array.isArray(value)) return value.map(function (v) { return typeof v === "object" && v ? (v.text || v.reason || v.feature || JSON.stringify(v)) : String(v); }).join("; ");
    if (typeof value === "object") return JSON.stringify(value);
    return String(value);
  }

  function table(columns, rows, className, headings) {
    var t = el("table", { class: className });
    var head = el("tr");
    columns.forEach(function (c) { head.appendChild(el("th", null, (headings && headings[c]) || c)); });
    t.appendChild(el("thead")).appendChild(head);
    var body = t.appendChild(el("tbody"));
    rows.forEach(function (r) {
      var tr = el("tr");
      columns.forEach(function (c) {
        var v = r[c];
        tr.appendChild(el("td", typeof v === "number" ? { class: "num" } : null, formatCell(c, v)));
      });
      body.appendChild(tr);
    });
    return t;
  }

  /* ---------- widgets ---------- */
  var widgets = {};

  widgets.overview = function (root) {
    begin();
    api("/v1/dashboard/overview")
      .then(function (payload) {
        var node = el("div", { class: "overview" });
        node.innerHTML = payload.html;
        root.replaceChildren(node);
        return embedCharts(node, payload.specs || {});
      })
      .catch(function (error) { failure(root, error); })
      .then(end);
  };

  widgets["risk-list"] = function (root) {
    var state = { min_probability: 0.5, category: "", limit: 100 };
    var heading = el("h2", null, "Customers at risk");
    var form = el("form", { class: "filters", id: "risk-filters" });
    var threshold = el("input", { type: "range", min: "0", max: "1", step: "0.05", value: String(state.min_probability), name: "min_probability", id: "risk-threshold" });
    var thresholdOut = el("output", { for: "risk-threshold" }, (state.min_probability * 100).toFixed(0) + " %");
    var thresholdLabel = el("label", null, "decline probability at least ");
    thresholdLabel.appendChild(threshold);
    thresholdLabel.appendChild(thresholdOut);
    var category = el("select", { name: "category", id: "risk-category" });
    category.appendChild(el("option", { value: "" }, "all categories"));
    var categoryLabel = el("label", null, "favourite category ");
    categoryLabel.appendChild(category);
    var limit = el("select", { name: "limit", id: "risk-limit" });
    [50, 100, 500].forEach(function (n) { limit.appendChild(el("option", n === state.limit ? { value: String(n), selected: "selected" } : { value: String(n) }, "top " + n)); });
    var limitLabel = el("label", null, "show ");
    limitLabel.appendChild(limit);
    form.appendChild(thresholdLabel);
    form.appendChild(categoryLabel);
    form.appendChild(limitLabel);
    var count = el("p", { class: "count", id: "risk-count", role: "status" });
    var holder = el("div", { class: "table-wrap", id: "risk-table" });
    root.replaceChildren(heading, form, count, holder);
    var categoriesFilled = false;
    var sequence = 0;

    function refresh() {
      var mine = ++sequence;
      var query = "min_probability=" + state.min_probability + "&limit=" + state.limit + (state.category ? "&category=" + encodeURIComponent(state.category) : "");
      begin();
      root.setAttribute("data-loading", "1");
      api("/v1/dashboard/activity/risk?" + query)
        .then(function (list) {
          if (mine !== sequence) return;
          if (list.status !== "done") {
            form.hidden = true;
            count.textContent = "";
            holder.replaceChildren(el("p", { class: "not-run-note" }, "No activity scores yet: run " + list.command + "."));
            return;
          }
          if (!categoriesFilled) {
            categoriesFilled = true;
            if (list.categories.length === 0) categoryLabel.hidden = true;
            list.categories.forEach(function (c) { category.appendChild(el("option", { value: c }, c)); });
          }
          count.textContent = list.matching.toLocaleString("en-US") + " of " + list.total.toLocaleString("en-US") + " customers at or above " +
            (state.min_probability * 100).toFixed(0) + " %" + (state.category ? " in " + state.category : "") +
            "; showing " + (list.matching > list.rows.length ? "the top " : "") + list.rows.length.toLocaleString("en-US") + ".";
          holder.replaceChildren(table(list.columns, list.rows, "risk-list", list.headings));
        })
        .catch(function (error) { failure(holder, error); })
        .then(function () { if (mine === sequence) root.removeAttribute("data-loading"); end(); });
    }

    threshold.addEventListener("input", function () { thresholdOut.textContent = (Number(threshold.value) * 100).toFixed(0) + " %"; });
    threshold.addEventListener("change", function () { state.min_probability = Number(threshold.value); refresh(); });
    category.addEventListener("change", function () { state.category = category.value; refresh(); });
    limit.addEventListener("change", function () { state.limit = Number(limit.value); refresh(); });
    form.addEventListener("submit", function (event) { event.preventDefault(); refresh(); });
    refresh();
  };

  widgets["recent-decisions"] = function (root) {
    begin();
    api("/v1/dashboard/decisions/recent?limit=50")
      .then(function (payload) {
        var heading = el("h2", null, "Latest decisions");
        if (payload.decisions.length === 0) {
          root.replaceChildren(heading, el("p", { class: "not-run-note" }, "No decisions logged yet for dataset " + payload.dataset + "."));
          return;
        }
        var rows = payload.decisions.map(function (d) {
          return { time: d.decided_at.replace("T", " ").slice(0, 19), customer: d.customer_id, session: d.session_id, product: d.product_id,
            offer: d.offer, "policy offer": d.policy_offer, group: d.holdout ? "holdout" : "treated", "expected profit": d.expected_profit,
            reasons: d.reason_codes.join(", "), model: d.model_version };
        });
        root.replaceChildren(heading, el("div", { class: "table-wrap" }));
        root.lastChild.appendChild(table(Object.keys(rows[0]), rows, "recent-decisions"));
      })
      .catch(function (error) { failure(root, error); })
      .then(end);
  };

  widgets.migrations = function (root) {
    begin();
    api("/v1/dashboard/segments/runs")
      .then(function (payload) {
        var heading = el("h2", null, "Migrations between runs");
        var runs = payload.runs.map(function (r) { return String(r.run_id); });
        var asOf = payload.runs.map(function (r) { return r.as_of ? String(r.as_of).slice(0, 10) : ""; });
        if (runs.length < 2) {
          root.replaceChildren(heading, el("p", { class: "not-run-note" }, runs.length === 0
            ? "No segmentation run stored yet: run npx patron segments run --as-of DATE."
            : "Only one segmentation run is stored; run npx patron segments run --as-of a later DATE to see who moved."));
          return;
        }
        var select = el("select", { id: "migration-run" });
        runs.slice(0, -1).forEach(function (id, i) {
          select.appendChild(el("option", { value: id }, (asOf[i] || id) + " vs " + (asOf[i + 1] || runs[i + 1])));
        });
        var label = el("label", null, "run ");
        label.appendChild(select);
        var form = el("form", { class: "filters" });
        form.appendChild(label);
        var summary = el("p", { class: "count" });
        var holder = el("div", { class: "table-wrap" });
        root.replaceChildren(heading, form, summary, holder);
        function show() {
          begin();
          var at = runs.indexOf(select.value);
          api("/v1/runs/" + encodeURIComponent(select.value) + "/migrations?dataset=" + encodeURIComponent(payload.dataset) + "&from=" + encodeURIComponent(runs[at + 1]))
            .then(function (m) {
              summary.textContent = "From " + m.previous_run_id + " to " + m.run_id + ": " + m.stayed + " stayed, " + m.moved + " moved, " + m.entered + " entered, " + m.left + " left.";
              var from = [], to = [];
              m.cells.forEach(function (c) { if (from.indexOf(c.from) < 0) from.push(c.from); if (to.indexOf(c.to) < 0) to.push(c.to); });
              var rows = from.map(function (f) {
                var row = { "from \\ to": f };
                to.forEach(function (t) {
                  var cell = m.cells.filter(function (c) { return c.from === f && c.to === t; })[0];
                  row[t] = cell ? cell.customers : 0;
                });
                return row;
              });
              holder.replaceChildren(table(["from \\ to"].concat(to), rows, "migrations"));
            })
            .catch(function (error) { failure(holder, error); })
            .then(end);
        }
        select.addEventListener("change", show);
        show();
      })
      .catch(function (error) { failure(root, error); })
      .then(end);
  };

  /* ---------- start ---------- */
  function start() {
    begin();
    // One request checks the key before the page's parallel ones go out.
    api("/v1/dashboard/session")
      .then(function () {
        document.querySelectorAll(".job-slot[data-job]").forEach(loadSection);
        document.querySelectorAll(".widget[data-widget]").forEach(function (root) {
          var widget = widgets[root.getAttribute("data-widget")];
          if (widget) widget(root);
        });
      })
      .catch(function (error) {
        document.querySelectorAll(".job-slot[data-job], .widget[data-widget]").forEach(function (node) { failure(node, error); });
      })
      .then(end);
  }

  document.getElementById("key-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var value = event.target.elements.key.value.trim();
    if (!value) return;
    localStorage.setItem(KEY, value);
    location.reload();
  });
  document.getElementById("key-change").addEventListener("click", function () { showKeyForm(""); });
  if (localStorage.getItem(KEY)) document.getElementById("key-change").hidden = false;
  if (page) start();
})();
