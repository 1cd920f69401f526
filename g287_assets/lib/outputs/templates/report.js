/* The g287 report's behaviour: filter, sort, page and count the embedded lists, draw the charts and the map,
   show the program on an earlier list, run the reader's scenarios and open an agency's record.
   Every value is written with textContent, never as markup, so an agency name can only ever be text. */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("report-data").textContent);
  var numberFormat = new Intl.NumberFormat("en-US");
  var model = new window.g287Model.Model(data.model);
  var PAGE_SIZE = 50;

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
    if (column.kind === "agency") {
      element.appendChild(agencyLink(row.state, row.agency_key, value));
    } else if (column.kind === "link") {
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

  /* A list drawn from embedded rows: filtered by a form, sorted by its headings, shown a page at a time,
     counted in a status line, and downloadable as CSV (the rows the filters keep, in the order shown). */
  function dataList(options) {
    var table = document.getElementById(options.table);
    var form = document.getElementById(options.form);
    var status = document.getElementById(options.count);
    var pager = document.getElementById(options.pager);
    var body = table.querySelector("tbody");
    var sort = { key: null, direction: "ascending" };
    var page = 0;
    var kept = [];

    function filter() {
      var values = Object.fromEntries(new FormData(form).entries());
      kept = options.rows.filter(function (row) { return options.keep(row, values); });
      if (sort.key) {
        var sign = sort.direction === "ascending" ? 1 : -1;
        kept.sort(function (a, b) { return sign * compareValues(a[sort.key], b[sort.key]); });
      }
      status.textContent = options.describe(kept, values);
      page = 0;
      draw();
    }

    function draw() {
      var pages = Math.max(1, Math.ceil(kept.length / PAGE_SIZE));
      page = Math.min(Math.max(page, 0), pages - 1);
      var fragment = document.createDocumentFragment();
      kept.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE).forEach(function (row) {
        var tr = document.createElement("tr");
        options.columns.forEach(function (column) { tr.appendChild(cell(row, column)); });
        fragment.appendChild(tr);
      });
      body.replaceChildren(fragment);
      var first = kept.length ? page * PAGE_SIZE + 1 : 0;
      pager.querySelector(".page-status").textContent = "Rows " + numberFormat.format(first) + "–"
        + numberFormat.format(Math.min(kept.length, (page + 1) * PAGE_SIZE)) + " of " + numberFormat.format(kept.length)
        + " (page " + (page + 1) + " of " + pages + ")";
      pager.querySelector("[data-page=previous]").disabled = page === 0;
      pager.querySelector("[data-page=next]").disabled = page >= pages - 1;
    }

    table.querySelectorAll("thead button[data-sort]").forEach(function (button) {
      button.addEventListener("click", function () {
        var key = button.dataset.sort;
        sort = { key: key, direction: nextDirection(sort, key) };
        setSortState(table, key, sort.direction);
        filter();
      });
    });
    pager.querySelector("[data-page=previous]").addEventListener("click", function () { page -= 1; draw(); });
    pager.querySelector("[data-page=next]").addEventListener("click", function () { page += 1; draw(); });
    pager.querySelector("[data-download]").addEventListener("click", function () {
      downloadCsv(options.file, options.csvColumns, kept);
    });
    form.addEventListener("input", filter);
    form.addEventListener("change", filter);
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    form.addEventListener("reset", function () { window.setTimeout(filter, 0); });
    filter();
    return { rows: function () { return kept; } };
  }

  /* A text cell a spreadsheet would run as a formula (=, +, -, @, tab, carriage return first) gets a leading
     single quote, as the published CSV exports do; numbers stay numbers. */
  function csvField(value) {
    if (value === null || value === undefined) { return ""; }
    var text = String(value);
    if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) { text = "'" + text; }
    return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }

  function csvText(columns, rows) {
    var lines = [columns.join(",")];
    rows.forEach(function (row) { lines.push(columns.map(function (key) { return csvField(row[key]); }).join(",")); });
    return lines.join("\r\n") + "\r\n";
  }

  function downloadCsv(name, columns, rows) {
    var blob = new Blob([csvText(columns, rows)], { type: "text/csv;charset=utf-8" });
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    window.setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
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

  /* Charts are SVG; maps are canvas, which draws their 3,000 counties in a fraction of SVG's time. */
  function drawChart(id, spec, renderer) {
    var element = document.getElementById(id);
    if (!element || !spec || typeof window.vegaEmbed !== "function") { return; }
    window.vegaEmbed(element, spec, { actions: false, renderer: renderer || "svg" }).catch(function (error) {
      element.textContent = "This chart could not be drawn: " + error;
    });
  }


  /* ---- agencies: a record per agency, opened from any name, deep-linked as #agency=TX/harris-county-... ---- */

  function agencySlug(key) { return String(key).toLowerCase().replace(/ /g, "-"); }

  var agencyBySlug = new Map();
  model.agencies.forEach(function (agency) {
    if (!agency.census) { agencyBySlug.set(agency.state + "/" + agencySlug(agency.key), agency); }
  });

  function agencyLink(state, key, name) {
    var target = key ? agencyBySlug.get(state + "/" + agencySlug(key)) : null;
    if (!target) { return document.createTextNode(name === null || name === undefined ? "–" : String(name)); }
    var link = document.createElement("a");
    link.href = "#agency=" + state + "/" + agencySlug(key);
    link.textContent = name;
    return link;
  }

  var countyNames = new Map();
  data.model.counties.county_fips.forEach(function (fips, i) { countyNames.set(fips, data.model.counties.county_name[i]); });

  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (className) { node.className = className; }
    return node;
  }

  function webLinkOrDash(url, label, description) {
    if (!isWebLink(url)) { return document.createTextNode("–"); }
    var link = element("a", label);
    link.href = url;
    link.rel = "noopener noreferrer";
    link.setAttribute("aria-label", description);
    return link;
  }

  function definitionList(pairs) {
    var list = element("dl", null, "record");
    pairs.forEach(function (pair) {
      var div = element("div");
      div.appendChild(element("dt", pair[0]));
      div.appendChild(element("dd", pair[1] === null || pair[1] === undefined || pair[1] === "" ? "–" : pair[1]));
      list.appendChild(div);
    });
    return list;
  }

  function simpleTable(caption, headings, rows) {
    var table = element("table");
    table.appendChild(element("caption", caption));
    var head = element("thead");
    var tr = element("tr");
    headings.forEach(function (heading) { var th = element("th", heading); th.scope = "col"; tr.appendChild(th); });
    head.appendChild(tr);
    table.appendChild(head);
    var body = element("tbody");
    rows.forEach(function (cells) {
      var row = element("tr");
      cells.forEach(function (value) {
        var td = element("td");
        if (value instanceof Node) { td.appendChild(value); } else { td.textContent = value === null || value === undefined ? "–" : String(value); }
        row.appendChild(td);
      });
      body.appendChild(row);
    });
    table.appendChild(body);
    var scroll = element("div", null, "table-scroll");
    scroll.appendChild(table);
    return scroll;
  }

  /* Every agreement the agency ever held: its own rows and the rows ICE corrected into or out of them. */
  function agencyAgreements(agency) {
    var ids = new Set();
    model.history.forEach(function (row) { if (row.agencyRecord === agency) { ids.add(row.agreement_id); } });
    var links = data.model.links;
    var related = [];
    for (var added = true; added;) {
      added = false;
      links.from_agreement_id.forEach(function (from, i) {
        var to = links.to_agreement_id[i];
        if (ids.has(from) !== ids.has(to)) { ids.add(from); ids.add(to); added = true; }
      });
    }
    links.from_agreement_id.forEach(function (from, i) {
      if (ids.has(from)) {
        related.push([links.to_first_seen_date[i], links.change_kind[i].replace(/_/g, " "),
          links.from_agency_name[i] + " · " + (links.from_signed_date[i] || "no date") + " · " + links.state_code[i],
          links.to_agency_name[i] + " · " + (links.to_signed_date[i] || "no date") + " · " + links.to_state_code[i],
          links.method[i]]);
      }
    });
    var rows = model.history.filter(function (row) { return ids.has(row.agreement_id); });
    rows.sort(function (a, b) { return compareValues(a.first_seen_date, b.first_seen_date) || compareValues(a.model, b.model); });
    return { rows: rows, corrections: related };
  }

  var dialog = document.getElementById("agency-dialog");

  function openAgency(agency) {
    var body = document.getElementById("agency-dialog-body");
    document.getElementById("agency-dialog-title").textContent = agency.name + " (" + agency.state + ")";
    var story = agencyAgreements(agency);
    var parts = [definitionList([
      ["Jurisdiction", agency.jurisdiction], ["Jurisdiction level", agency.jurisdictionLevel],
      ["County", agency.county ? (countyNames.get(agency.county) || agency.county) : null],
      ["Population (Census 2024)", agency.population === null ? "not found" : numberFormat.format(agency.population)],
      ["How the jurisdiction was matched", agency.matchMethod], ["ICE's level", agency.level]
    ])];
    parts.push(simpleTable("Every agreement it held (history.agreements)",
      ["Model", "Signed", "First seen", "Last seen", "Status", "Ended", "Name listed", "MOA", "Addendum"],
      story.rows.map(function (row) {
        return [row.model, row.signed_date, row.first_seen_date, row.last_seen_date, row.status,
          row.ended_date || (row.status === "corrected" ? "corrected " + (row.corrected_date || "") : null), row.agency_name,
          webLinkOrDash(row.moa_url, "MOA", "Signed agreement (MOA), " + row.model),
          webLinkOrDash(row.addendum_url, "Addendum", "Addendum, " + row.model)];
      })));
    parts.push(story.corrections.length
      ? simpleTable("Corrections by ICE (history.links)", ["Seen", "What changed", "Before", "After", "Linked"], story.corrections)
      : element("p", "ICE corrected none of its agreements.", "note"));
    body.replaceChildren.apply(body, parts);
    if (!dialog.open) { dialog.showModal(); }
  }

  function openAgencyFromHash() {
    var match = /^#agency=([A-Za-z]{2})\/(.+)$/.exec(window.location.hash);
    if (!match) { return; }
    var agency = agencyBySlug.get(match[1].toUpperCase() + "/" + decodeURIComponent(match[2]).toLowerCase());
    if (agency) { openAgency(agency); }
  }

  dialog.addEventListener("close", function () {
    if (/^#agency=/.test(window.location.hash)) { history.replaceState(null, "", window.location.pathname + window.location.search); }
  });
  window.addEventListener("hashchange", openAgencyFromHash);

  /* Names the template wrote (the corrections) become links to their agency's record when it has one. */
  function linkWrittenNames() {
    document.querySelectorAll("[data-agency-state]").forEach(function (node) {
      var name = node.textContent;
      var link = agencyLink(node.dataset.agencyState, window.g287Model.agencyKey(name), name);
      if (link.nodeType === Node.ELEMENT_NODE) { node.replaceChildren(link); }
    });
  }

  function setUpAgencyFinder() {
    var form = document.getElementById("agency-finder");
    var input = document.getElementById("agency-find");
    var list = document.getElementById("agency-names");
    var byLabel = new Map();
    agencyBySlug.forEach(function (agency, slug) {
      var label = agency.name + " (" + agency.state + ")";
      byLabel.set(label.toLowerCase(), slug);
      var option = element("option");
      option.value = label;
      list.appendChild(option);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var slug = byLabel.get(input.value.trim().toLowerCase());
      if (slug) { window.location.hash = "agency=" + slug; }
    });
  }

  /* ---- the county map of any run: the map's own spec with each county's figures replaced ---- */

  function perHundredThousand(count, population) {
    return population ? Math.round(count * 100000 / population * 1000) / 1000 : 0;
  }

  function mapSpecFor(figures, subtitle) {
    var base = data.charts.map;
    if (!base) { return null; }
    var spec = JSON.parse(JSON.stringify(base));
    spec.datasets.counties.objects.counties.geometries.forEach(function (geometry) {
      var p = geometry.properties;
      var c = figures.counties[geometry.id] || { agreements: 0, agencies: 0, jem: 0, wso: 0, tfm: 0, population_covered: 0,
        population_covered_jem: 0, population_covered_wso: 0, population_covered_tfm: 0 };
      p.agencies = c.agencies;
      p.agreements = { ALL: c.agreements, JEM: c.jem, WSO: c.wso, TFM: c.tfm };
      p.per_100k = {};
      Object.keys(p.agreements).forEach(function (m) { p.per_100k[m] = perHundredThousand(p.agreements[m], p.population); });
      p.covered = { ALL: c.population_covered, JEM: c.population_covered_jem, WSO: c.population_covered_wso, TFM: c.population_covered_tfm };
    });
    spec.datasets.agencies = [];
    spec.title = Object.assign({}, spec.title, { subtitle: [subtitle, "Points of agencies are shown for the newest list only."] });
    return spec;
  }

  /* ---- the program on an earlier list ---- */

  function stateNames() {
    var names = new Map();
    data.model.states.state_code.forEach(function (code, i) { names.set(code, data.model.states.state_name[i]); });
    return names;
  }

  function percentText(share) { return share === null ? "–" : (100 * share).toFixed(1) + "%"; }

  function fillStateTable(figures) {
    var names = stateNames();
    var body = document.querySelector("#state-table tbody");
    var codes = Object.keys(figures.states).filter(function (code) { return figures.states[code].agreements > 0; });
    codes.sort(function (a, b) { return figures.states[b].agreements - figures.states[a].agreements || compareValues(a, b); });
    body.replaceChildren.apply(body, codes.map(function (code) {
      var f = figures.states[code];
      var tr = element("tr");
      tr.dataset.state = code;
      var th = element("th", (names.get(code) || code) + " ");
      th.scope = "row";
      th.dataset.value = code;
      th.appendChild(element("span", code, "muted"));
      tr.appendChild(th);
      var share = f.population ? Math.round(f.population_covered / f.population * 10000) / 10000 : null;
      [[f.agreements], [f.agencies], [f.jem], [f.wso], [f.tfm], [f.population_covered],
        [share === null ? 0 : share, percentText(share)], [f.statewide_agencies]].forEach(function (value) {
        var td = element("td", value.length > 1 ? value[1] : numberFormat.format(value[0]), "num");
        td.dataset.value = value[0];
        tr.appendChild(td);
      });
      return tr;
    }));
  }

  /* The by-model and by-level tables of a run: agreements and distinct agencies per value (0 when none). */
  function fillBreakdown(tableId, run, valueOf) {
    var counts = new Map();
    run.forEach(function (agreement) {
      var value = valueOf(agreement);
      var entry = counts.get(value) || { agreements: 0, agencies: new Set() };
      entry.agreements += 1;
      entry.agencies.add(agreement.agency.id);
      counts.set(value, entry);
    });
    document.querySelectorAll("#" + tableId + " tbody tr").forEach(function (tr) {
      var entry = counts.get(tr.dataset.value) || { agreements: 0, agencies: new Set() };
      tr.cells[1].textContent = numberFormat.format(entry.agreements);
      tr.cells[2].textContent = numberFormat.format(entry.agencies.size);
    });
  }

  function setUpDateControl() {
    var select = document.getElementById("as-of");
    var note = document.getElementById("as-of-note");
    var seen = {};
    for (var i = model.newest - 1; i >= 0; i--) {
      var date = model.lists[i].snapshot_date;
      seen[date] = (seen[date] || 0) + 1;
      var option = element("option", date + (seen[date] > 1 ? " (earlier file of that day)" : ""));
      option.value = String(i);
      option.dataset.key = model.lists[i].snapshot_key;
      select.appendChild(option);
    }
    select.addEventListener("change", function () {
      var position = select.value === "" ? model.newest : Number(select.value);
      var figures = model.baselineAt(position).figures;
      var run = model.baselineAt(position).run;
      fillBreakdown("model-table", run, function (agreement) { return agreement.model; });
      fillBreakdown("level-table", run, function (agreement) { return agreement.level; });
      var date = model.lists[position].snapshot_date;
      document.getElementById("figure-agreements").textContent = numberFormat.format(figures.agreements);
      document.getElementById("figure-agencies").textContent = numberFormat.format(figures.agencies);
      document.getElementById("figure-list-date").textContent = date;
      document.getElementById("state-table-date").textContent = date;
      fillStateTable(figures);
      note.textContent = position === model.newest
        ? "The figures, the state table and the map show the newest list."
        : "The figures, the state table and the map show the list of " + date + " (rebuilt from history.agreements and history.gaps).";
      var spec = mapSpecFor(figures, "ICE's participating list of " + date + ".");
      drawWhenVisible("county-map", position === model.newest ? data.charts.map : spec);
    });
  }

  /* ---- the simulator ---- */

  function describeStep(operation) {
    var action = Object.keys(operation)[0];
    var body = operation[action] || {};
    if (action === "as_of") { return "as of " + body.date + ": the agreements active on that date"; }
    var join = function (value) { return [].concat(value).join("/"); };
    var parts = [];
    if (body.states) { parts.push("states " + join(body.states)); }
    if (body.level) { parts.push("level " + join(body.level)); }
    if (action === "end" && body.model) { parts.push("model " + join(body.model)); }
    if (body.holding) { parts.push("holding " + join(body.holding)); }
    if (body.not_holding) { parts.push("not holding " + join(body.not_holding)); }
    if (body.min_population !== undefined) { parts.push("population >= " + numberFormat.format(body.min_population)); }
    if (body.max_population !== undefined) { parts.push("population <= " + numberFormat.format(body.max_population)); }
    if (body.signed_from) { parts.push("signed from " + body.signed_from); }
    if (body.signed_to) { parts.push("signed to " + body.signed_to); }
    if (body.agencies) { parts.push([].concat(body.agencies).length + " named agencies"); }
    if (body.pending) { parts.push("pending agencies"); }
    return (action === "sign" ? "sign " + body.model : "end") + ": " + (parts.join(", ") || "all");
  }

  function setUpSimulator() {
    var form = document.getElementById("simulator-form");
    var stepsList = document.getElementById("simulator-steps");
    var errorBox = document.getElementById("simulator-error");
    var states = document.getElementById("sim-states");
    var names = stateNames();
    var scenario = { steps: [], baseline: null };
    var mapTimer = null;
    model.allStateCodes().forEach(function (code) {
      var option = element("option", code + (names.get(code) ? " · " + names.get(code) : ""));
      option.value = code;
      states.appendChild(option);
    });

    function stepFromForm() {
      var values = new FormData(form);
      var action = values.get("action");
      var body = {};
      if (values.get("model")) { body.model = values.get("model"); }
      var chosen = values.getAll("states");
      if (chosen.length) { body.states = chosen; }
      if (values.get("level")) { body.level = values.get("level"); }
      var notHolding = values.getAll("not_holding");
      if (action === "sign" && notHolding.length) { body.not_holding = notHolding; }
      var step = {};
      step[action] = body;
      return step;
    }

    function row(cells) {
      var tr = element("tr");
      cells.forEach(function (value, i) {
        var cellNode = element(i ? "td" : "th", value, i ? "num" : null);
        if (!i) { cellNode.scope = "row"; }
        tr.appendChild(cellNode);
      });
      return tr;
    }

    function signed(value) { return (value > 0 ? "+" : value < 0 ? "−" : "±") + numberFormat.format(Math.abs(value)); }

    function render() {
      stepsList.replaceChildren.apply(stepsList, scenario.steps.map(function (step, index) {
        var item = element("li", describeStep(step) + " ");
        var remove = element("button", "Remove");
        remove.type = "button";
        remove.setAttribute("aria-label", "Remove step " + (index + 1));
        remove.addEventListener("click", function () { scenario.steps.splice(index, 1); render(); });
        item.appendChild(remove);
        return item;
      }));
      var result;
      try {
        result = model.simulate(scenario.steps, scenario.baseline);
        errorBox.hidden = true;
      } catch (error) {
        errorBox.hidden = false;
        errorBox.textContent = "This scenario cannot run: " + error.message;
        return;
      }
      document.getElementById("sim-baseline").textContent = result.list_date;
      var before = result.baseline;
      var nationalBody = document.querySelector("#simulator-national tbody");
      nationalBody.replaceChildren.apply(nationalBody, [["Agreements", "agreements"], ["Agencies", "agencies"],
        ["Population covered", "population_covered"], ["JEM agreements", "jem"], ["WSO agreements", "wso"],
        ["TFM agreements", "tfm"], ["Statewide agencies", "statewide_agencies"]].map(function (pair) {
        return row([pair[0], numberFormat.format(before[pair[1]]), numberFormat.format(result[pair[1]]), signed(result[pair[1]] - before[pair[1]])]);
      }));
      var codes = Object.keys(result.states).filter(function (code) {
        var a = result.states[code];
        var b = before.states[code] || {};
        return a.agreements !== b.agreements || a.agencies !== b.agencies || a.population_covered !== b.population_covered;
      }).sort();
      var stateBody = document.querySelector("#simulator-states tbody");
      stateBody.replaceChildren.apply(stateBody, codes.map(function (code) {
        var a = result.states[code];
        var b = before.states[code] || { agreements: 0, agencies: 0, population_covered: 0 };
        return row([code, numberFormat.format(b.agreements), numberFormat.format(a.agreements), numberFormat.format(b.agencies),
          numberFormat.format(a.agencies), numberFormat.format(b.population_covered), numberFormat.format(a.population_covered),
          signed(a.population_covered - b.population_covered)]);
      }));
      var spec = mapSpecFor(result, "Scenario on ICE's list of " + result.list_date + ": " + (scenario.steps.map(describeStep).join("; ") || "no change"));
      window.clearTimeout(mapTimer);
      mapTimer = window.setTimeout(function () { drawWhenVisible("simulator-map", spec); }, 50);
    }

    /* The controls show a preset's first sign or end step, ready to be changed and added again. */
    function showStepInForm(steps) {
      var step = steps.find(function (item) { return item.sign || item.end; });
      if (!step) { return; }
      var action = step.sign ? "sign" : "end";
      var body = step[action];
      var setValue = function (name, value) { form.elements[name].value = value; };
      setValue("action", action);
      setValue("model", typeof body.model === "string" && window.g287Model.MODELS.indexOf(body.model) >= 0 ? body.model : "");
      setValue("level", typeof body.level === "string" ? body.level : "");
      var chosen = new Set([].concat(body.states || []));
      Array.from(states.options).forEach(function (option) { option.selected = chosen.has(option.value); });
      var notHolding = new Set([].concat(body.not_holding || []));
      form.querySelectorAll("input[name=not_holding]").forEach(function (input) {
        input.checked = notHolding.has(input.value);
        input.disabled = action !== "sign";
      });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      scenario.steps.push(stepFromForm());
      render();
    });
    document.getElementById("sim-clear").addEventListener("click", function () {
      scenario.steps = [];
      scenario.baseline = null;
      render();
    });
    document.getElementById("sim-action").addEventListener("change", function (event) {
      form.querySelectorAll(".sign-only input").forEach(function (input) { input.disabled = event.target.value !== "sign"; });
    });
    document.querySelectorAll("button.load-preset").forEach(function (button) {
      button.addEventListener("click", function () {
        var preset = data.presets.find(function (p) { return p.scenario === button.dataset.preset; });
        scenario.steps = JSON.parse(JSON.stringify(preset.operations));
        scenario.baseline = preset.baseline_requested || null;
        showStepInForm(scenario.steps);
        render();
        document.getElementById("simulator-title").scrollIntoView();
      });
    });
    render();
  }

  /* Section anchors land below the sticky header, whatever its height on this screen. */
  function keepAnchorsBelowHeader() {
    var header = document.querySelector("header.site");
    var update = function () {
      var sticky = window.getComputedStyle(header).position === "sticky";
      document.documentElement.style.setProperty("--header-height", (sticky ? header.offsetHeight : 0) + "px");
    };
    update();
    window.addEventListener("resize", update);
  }

  /* The simulator's figures as JSON-ready values (what a test compares with lib/scenarios.py). */
  function simulateForScripts(operations, baseline) {
    var result = model.simulate(operations, baseline);
    var figures = {};
    Object.keys(result).forEach(function (name) {
      if (["run", "baselineRun", "baseline", "counties"].indexOf(name) < 0) { figures[name] = result[name]; }
    });
    figures.counties = result.counties;
    return figures;
  }
  window.g287 = { simulate: simulateForScripts, csvText: csvText };

  /* Maps are drawn once they come near the screen: 3,000 counties cost Vega a couple of seconds, which would
     otherwise hold the whole page up at load. The newest spec given for a map is the one drawn. */
  var lazyCharts = new Map();
  var chartObserver = "IntersectionObserver" in window ? new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      var state = lazyCharts.get(entry.target.id);
      state.visible = entry.isIntersecting;
      if (state.visible && state.spec) { drawChart(entry.target.id, state.spec, "canvas"); state.spec = null; }
    });
  }, { rootMargin: "600px" }) : null;

  function drawWhenVisible(id, spec) {
    var target = document.getElementById(id);
    if (!target || !spec) { return; }
    if (!chartObserver) { drawChart(id, spec, "canvas"); return; }
    var state = lazyCharts.get(id);
    if (!state) {
      state = { visible: false, spec: null };
      lazyCharts.set(id, state);
      chartObserver.observe(target);
    }
    if (state.visible) { drawChart(id, spec, "canvas"); } else { state.spec = spec; }
  }

  var agreementColumns = [
    { key: "agency", header: true, kind: "agency" }, { key: "state" }, { key: "county" }, { key: "level" }, { key: "model" },
    { key: "signed" }, { key: "first_seen" }, { key: "population", kind: "number" }, { key: "moa", kind: "link" }
  ];
  var cancellationColumns = [
    { key: "agency", header: true, kind: "agency" }, { key: "state" }, { key: "county" }, { key: "level" }, { key: "model" },
    { key: "signed" }, { key: "last_seen" }, { key: "ended" }
  ];

  fillStates(document.getElementById("cancellation-state"), data.cancellations);
  dataList({
    rows: data.agreements, columns: agreementColumns, table: "agreement-table", form: "agreement-filters",
    count: "agreement-count", keep: keepAgreement, describe: describeAgreements, pager: "agreement-pager",
    file: "g287-agreements.csv",
    csvColumns: ["state", "agency", "county", "level", "model", "signed", "first_seen", "population", "jurisdiction", "moa", "addendum"]
  });
  dataList({
    rows: data.cancellations, columns: cancellationColumns, table: "cancellation-table",
    form: "cancellation-filters", count: "cancellation-count", keep: keepCancellation,
    describe: describeCancellations, pager: "cancellation-pager", file: "g287-canceled-agreements.csv",
    csvColumns: ["state", "agency", "county", "level", "model", "signed", "first_seen", "last_seen", "ended"]
  });
  document.querySelectorAll("table.sortable").forEach(sortableTable);
  drawChart("growth-chart", data.charts.growth);
  drawChart("cancellations-chart", data.charts.cancellations);
  drawWhenVisible("county-map", data.charts.map);
  keepAnchorsBelowHeader();
  setUpAgencyFinder();
  linkWrittenNames();
  setUpDateControl();
  setUpSimulator();
  openAgencyFromHash();
})();
