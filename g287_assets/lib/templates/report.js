/* The g287 report's behaviour: filter, sort and count the embedded lists, draw the charts and the map.
   Every value is written with textContent, never as markup, so an agency name can only ever be text. */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("report-data").textContent);
  var numberFormat = new Intl.NumberFormat("en-US");

  function formatNumber(value) {
    return value === null || value === undefined ? "not found" : numberFormat.format(value);
  }

  function plural(count, one, many) {
    return numberFormat.format(count) + " " + (count === 1 ? one : many);
  }

  /* Agencies are counted as everywhere in g287: one per state and normalized name. */
  function agencyCount(rows) {
    var seen = new Set();
    rows.forEach(function (row) { seen.add(row.state + "|" + row.agency_key); });
    return seen.size;
  }

  function isWebLink(url) {
    return typeof url === "string" && /^https?:\/\//i.test(url);
  }

  function cell(row, column) {
    var element = document.createElement(column.header ? "th" : "td");
    if (column.header) { element.scope = "row"; }
    var value = row[column.key];
    if (column.kind === "link") {
      if (isWebLink(value)) {
        var link = document.createElement("a");
        link.href = value;
        link.rel = "noopener noreferrer";
        link.textContent = "MOA";
        link.setAttribute("aria-label", "Signed agreement (MOA) of " + row.agency + ", " + row.model);
        element.appendChild(link);
      } else {
        element.textContent = "–";
      }
    } else if (column.kind === "number") {
      element.className = "num";
      element.textContent = formatNumber(value);
    } else {
      element.textContent = value === null || value === undefined ? "–" : String(value);
    }
    return element;
  }

  function compareValues(a, b) {
    var aMissing = a === null || a === undefined || a === "";
    var bMissing = b === null || b === undefined || b === "";
    if (aMissing || bMissing) { return aMissing === bMissing ? 0 : aMissing ? 1 : -1; }
    if (typeof a === "number" && typeof b === "number") { return a - b; }
    return String(a).localeCompare(String(b), "en", { sensitivity: "base" });
  }

  function setSortState(table, key, direction) {
    table.querySelectorAll("thead th[aria-sort]").forEach(function (th) {
      var button = th.querySelector("button");
      th.setAttribute("aria-sort", button && button.dataset.sort === key ? direction : "none");
    });
  }

  function nextDirection(sort, key) {
    return sort.key === key && sort.direction === "ascending" ? "descending" : "ascending";
  }

  /* A list drawn from embedded rows: filtered by a form, sorted by its headings, counted in a status line. */
  function dataList(options) {
    var table = document.getElementById(options.table);
    var form = document.getElementById(options.form);
    var status = document.getElementById(options.count);
    var body = table.querySelector("tbody");
    var sort = { key: null, direction: "ascending" };

    function draw() {
      var values = Object.fromEntries(new FormData(form).entries());
      var rows = options.rows.filter(function (row) { return options.keep(row, values); });
      if (sort.key) {
        var sign = sort.direction === "ascending" ? 1 : -1;
        rows.sort(function (a, b) { return sign * compareValues(a[sort.key], b[sort.key]); });
      }
      var fragment = document.createDocumentFragment();
      rows.forEach(function (row) {
        var tr = document.createElement("tr");
        options.columns.forEach(function (column) { tr.appendChild(cell(row, column)); });
        fragment.appendChild(tr);
      });
      body.replaceChildren(fragment);
      status.textContent = options.describe(rows, values);
    }

    table.querySelectorAll("thead button[data-sort]").forEach(function (button) {
      button.addEventListener("click", function () {
        var key = button.dataset.sort;
        sort = { key: key, direction: nextDirection(sort, key) };
        setSortState(table, key, sort.direction);
        draw();
      });
    });
    form.addEventListener("input", draw);
    form.addEventListener("change", draw);
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    form.addEventListener("reset", function () { window.setTimeout(draw, 0); });
    draw();
  }

  function contains(values, text) {
    var needle = (text || "").trim().toLowerCase();
    return !needle || values.some(function (value) {
      return typeof value === "string" && value.toLowerCase().indexOf(needle) >= 0;
    });
  }

  function keepAgreement(row, f) {
    return contains([row.agency, row.county, row.jurisdiction], f.q)
      && (!f.state || row.state === f.state)
      && (!f.level || row.level === f.level)
      && (!f.model || row.model === f.model)
      && (!f.signed_from || (row.signed && row.signed >= f.signed_from))
      && (!f.signed_to || (row.signed && row.signed <= f.signed_to));
  }

  function describeAgreements(rows) {
    var all = data.totals;
    var shown = plural(rows.length, "agreement", "agreements") + " of " + plural(agencyCount(rows), "agency", "agencies");
    if (rows.length === all.agreements) { return shown + " (every active agreement)"; }
    return shown + " match the filters (of " + numberFormat.format(all.agreements) + " agreements of "
      + numberFormat.format(all.agencies) + " agencies)";
  }

  /* "Ended after" is strict, as in history.cancellations_since_tracking_start. */
  function keepCancellation(row, f) {
    return contains([row.agency, row.county], f.q)
      && (!f.state || row.state === f.state)
      && (!f.ended_after || row.ended > f.ended_after)
      && (!f.ended_until || row.ended <= f.ended_until);
  }

  function describeCancellations(rows, f) {
    var period = f.ended_after ? " ended after " + f.ended_after : " ended";
    if (f.ended_until) { period += " and on or before " + f.ended_until; }
    return plural(rows.length, "agreement", "agreements") + " of " + plural(agencyCount(rows), "agency", "agencies")
      + period + (f.state ? " in " + f.state : "");
  }

  function fillStates(select, rows) {
    Array.from(new Set(rows.map(function (row) { return row.state; }))).sort().forEach(function (state) {
      var option = document.createElement("option");
      option.value = state;
      option.textContent = state;
      select.appendChild(option);
    });
  }

  /* Tables written by the template: sorted by each cell's data-value (or its text). */
  function sortableTable(table) {
    var sort = { key: null, direction: "ascending" };
    var headers = Array.from(table.querySelectorAll("thead th"));
    headers.forEach(function (th, index) {
      var button = th.querySelector("button[data-sort]");
      if (!button) { return; }
      button.addEventListener("click", function () {
        sort = { key: button.dataset.sort, direction: nextDirection(sort, button.dataset.sort) };
        setSortState(table, sort.key, sort.direction);
        var sign = sort.direction === "ascending" ? 1 : -1;
        var body = table.querySelector("tbody");
        var rows = Array.from(body.rows);
        rows.sort(function (a, b) { return sign * compareValues(sortValue(a.cells[index]), sortValue(b.cells[index])); });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  function sortValue(cellElement) {
    var raw = cellElement.dataset.value !== undefined ? cellElement.dataset.value : cellElement.textContent.trim();
    var number = Number(raw);
    return raw !== "" && !Number.isNaN(number) ? number : raw;
  }

  function drawChart(id, spec) {
    var element = document.getElementById(id);
    if (!element || !spec || typeof window.vegaEmbed !== "function") { return; }
    window.vegaEmbed(element, spec, { actions: false, renderer: "svg" }).catch(function (error) {
      element.textContent = "This chart could not be drawn: " + error;
    });
  }

  var agreementColumns = [
    { key: "agency", header: true }, { key: "state" }, { key: "county" }, { key: "level" }, { key: "model" },
    { key: "signed" }, { key: "first_seen" }, { key: "population", kind: "number" }, { key: "moa", kind: "link" }
  ];
  var cancellationColumns = [
    { key: "agency", header: true }, { key: "state" }, { key: "county" }, { key: "level" }, { key: "model" },
    { key: "signed" }, { key: "last_seen" }, { key: "ended" }
  ];

  fillStates(document.getElementById("cancellation-state"), data.cancellations);
  dataList({
    rows: data.agreements, columns: agreementColumns, table: "agreement-table", form: "agreement-filters",
    count: "agreement-count", keep: keepAgreement, describe: describeAgreements
  });
  dataList({
    rows: data.cancellations, columns: cancellationColumns, table: "cancellation-table",
    form: "cancellation-filters", count: "cancellation-count", keep: keepCancellation,
    describe: describeCancellations
  });
  document.querySelectorAll("table.sortable").forEach(sortableTable);
  drawChart("growth-chart", data.charts.growth);
  drawChart("cancellations-chart", data.charts.cancellations);
  drawChart("county-map", data.charts.map);
})();
