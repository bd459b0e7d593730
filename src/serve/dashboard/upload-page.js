/*
 * The upload page (browser side, no build step; src/serve/dashboard/upload.ts serves it): pick a
 * CSV of customers, send it to POST /v1/dashboard/upload with the dashboard's API key, then show
 * either every problem per row in plain words or the scored table — uplift, customer type,
 * decision, reasons — with a download of the whole scored file. Values are inserted as text,
 * never as HTML. The widget root gets data-state="ready" | "busy" | "scored" | "errors" | "failed"
 * (the browser tests wait on it).
 */
(function () {
  "use strict";
  var KEY = "patron.apiKey";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) for (var k in attrs) if (attrs[k] !== undefined && attrs[k] !== null) node.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function csvField(value) {
    var text = value === null || value === undefined ? "" : String(value);
    return /[",\n\r]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }

  function toCsv(columns, rows) {
    var lines = [columns.map(csvField).join(",")];
    rows.forEach(function (row) { lines.push(row.map(csvField).join(",")); });
    return lines.join("\n") + "\n";
  }

  function describe(problem) {
    var where = "Line " + problem.line + (problem.column ? ", column “" + problem.column + "”" : "");
    return where + ": " + problem.reason;
  }

  function render(root) {
    var form = el("form", { id: "upload-form", class: "filters" });
    var label = el("label", null, "Customer file (CSV)");
    var input = el("input", { id: "upload-file", type: "file", name: "file", accept: ".csv,text/csv", required: "required" });
    label.appendChild(input);
    var button = el("button", { type: "submit", id: "upload-submit" }, "Score");
    form.appendChild(label);
    form.appendChild(button);
    var status = el("p", { id: "upload-status", class: "count", role: "status" });
    var output = el("div", { id: "upload-output" });
    root.replaceChildren(el("p", null,
      "The file needs a header line with the columns the active uplift model reads; any other columns are kept. Every row is checked first: nothing is scored from a file with problems."),
      form, status, output);
    root.setAttribute("data-state", "ready");

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var key = localStorage.getItem(KEY);
      if (!key) {
        var keyForm = document.getElementById("key-form");
        if (keyForm) keyForm.hidden = false;
        status.textContent = "Enter an API key above (read scope) to score files.";
        root.setAttribute("data-state", "failed");
        return;
      }
      var file = input.files && input.files[0];
      if (!file) return;
      var body = new FormData();
      body.append("file", file, file.name);
      status.textContent = "Checking and scoring " + file.name + "…";
      output.replaceChildren();
      root.setAttribute("data-state", "busy");
      fetch("/v1/dashboard/upload", { method: "POST", headers: { "x-api-key": key, accept: "application/json" }, body: body })
        .then(function (response) {
          return response.json().then(function (payload) { return { status: response.status, payload: payload }; });
        })
        .then(function (answer) {
          if (answer.status === 200) return showScored(answer.payload, file.name);
          var error = answer.payload.error || { message: "HTTP " + answer.status };
          var problems = error.details && Array.isArray(error.details.errors) ? error.details.errors : [];
          if (problems.length > 0) return showProblems(error, problems);
          status.textContent = error.message;
          root.setAttribute("data-state", "failed");
        })
        .catch(function (error) {
          status.textContent = "Could not score the file: " + error.message;
          root.setAttribute("data-state", "failed");
        });
    });

    function showProblems(error, problems) {
      var total = error.details.totalErrors || problems.length;
      status.textContent = total + (total === 1 ? " problem" : " problems") + " found; nothing was scored. Fix the file and upload it again.";
      var list = el("ul", { id: "upload-errors", class: "upload-errors" });
      problems.forEach(function (p) { list.appendChild(el("li", null, describe(p))); });
      output.replaceChildren(list);
      if (total > problems.length) output.appendChild(el("p", { class: "count" }, "Only the first " + problems.length + " are listed."));
      root.setAttribute("data-state", "errors");
    }

    function showScored(payload, fileName) {
      var columns = payload.columns.concat(["reasons"]);
      var rows = payload.rows.map(function (row, i) { return row.concat([(payload.reasons[i] || []).join("; ")]); });
      var s = payload.summary;
      var decisions = Object.keys(s.decisions).map(function (k) { return s.decisions[k] + " " + k; }).join(", ");
      var types = Object.keys(s.types).map(function (k) { return s.types[k] + " " + k; }).join(", ");
      status.textContent = s.rows + " customers scored with " + s.model_version + ": " + decisions + ". Types: " + types + ".";
      var download = el("button", { type: "button", id: "upload-download" }, "Download scored CSV");
      download.addEventListener("click", function () {
        var blob = new Blob([toCsv(columns, rows)], { type: "text/csv;charset=utf-8" });
        var link = el("a", { href: URL.createObjectURL(blob), download: fileName.replace(/\.csv$/i, "") + "-scored.csv" });
        document.body.appendChild(link);
        link.click();
        setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 0);
      });
      // On screen: the file's first column (the customer), then what was computed.
      var shown = [payload.columns[0], "uplift", "customer_type", "decision", "reasons"];
      var table = el("table", { id: "upload-result", class: "scored" });
      var head = el("tr");
      shown.forEach(function (c) { head.appendChild(el("th", null, c)); });
      table.appendChild(el("thead")).appendChild(head);
      var tbody = table.appendChild(el("tbody"));
      rows.forEach(function (row) {
        var tr = el("tr");
        shown.forEach(function (c) {
          var value = row[columns.indexOf(c)];
          tr.appendChild(el("td", c === "uplift" ? { class: "num" } : null, value));
        });
        tbody.appendChild(tr);
      });
      var wrap = el("div", { class: "table-wrap" });
      wrap.appendChild(table);
      output.replaceChildren(el("p", { class: "count" }, "Customer types: responds = predicted response ≥ " + s.typeThreshold + " (the model's threshold); decision: contact when the uplift pays for the contact."), download, wrap);
      root.setAttribute("data-state", "scored");
    }
  }

  function start() {
    document.querySelectorAll('.widget[data-widget="upload"]').forEach(render);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
