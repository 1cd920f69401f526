/* The g287 scenario engine, in the page: the operations of a YAML scenario (sign, end, as_of) applied to the
   agreements of a usable list, then population covered by the rule of geography/coverage.sql: a county is covered whole
   when its sheriff or county jail holds an agreement, else by the residents of its covered cities and towns
   (each resident once, never more than the county); only local agencies cover; statewide agencies are counted
   beside coverage; agencies with no Census jurisdiction count as agreements, outside coverage.
   The data is the engine's own (lib/report_model.py reads lib.scenarios' inputs), so "every sheriff of a
   state" is one per Census county here as in `g287 scenario`. Exposed as window.g287Model. */
(function (global) {
  "use strict";

  var MODELS = ["JEM", "WSO", "TFM"];
  var LEVELS = ["county", "municipal", "state", "other"];
  var REQUESTED = "requested";
  var LOCAL = { county: true, place: true, county_subdivision: true };
  var FIELDS = {
    sign: ["model", "states", "level", "holding", "not_holding", "min_population", "max_population", "agencies", "pending"],
    end: ["states", "level", "model", "signed_from", "signed_to", "agencies"],
    as_of: ["date"]
  };

  /* Column-wise tables back to rows. */
  function rowsOf(table) {
    var names = Object.keys(table);
    var count = names.length ? table[names[0]].length : 0;
    var rows = new Array(count);
    for (var i = 0; i < count; i++) {
      var row = {};
      for (var n = 0; n < names.length; n++) { row[names[n]] = table[names[n]][i]; }
      rows[i] = row;
    }
    return rows;
  }

  /* lib.normalize.agency_key: upper case, apostrophes dropped, & as AND, other punctuation a space. */
  function agencyKey(name) {
    var text = String(name === null || name === undefined ? "" : name).normalize("NFKC")
      .replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029]/g, " ").replace(/\s+/g, " ").trim()
      .replace(/[\u2019\u2018\u02bc`\u00b4]/g, "'");
    text = text.toUpperCase().replace(/'/g, "").replace(/&/g, " AND ");
    return text.replace(/[^A-Z0-9 ]+/g, " ").replace(/\s+/g, " ").trim();
  }

  function pairs(flat) {
    var result = [];
    for (var i = 0; flat && i < flat.length; i += 2) { result.push([flat[i], flat[i + 1]]); }
    return result;
  }

  function fail(message) { throw new Error(message); }

  function Model(source) {
    var self = this;
    this.lists = rowsOf(source.lists);
    this.newest = this.lists.length - 1;
    this.states = rowsOf(source.states);
    this.counties = new Map();
    rowsOf(source.counties).forEach(function (county) { self.counties.set(county.county_fips, county); });
    this.agencies = rowsOf(source.agencies).map(function (row) {
      return {
        state: row.state_code, name: row.agency_name, key: row.key || agencyKey(row.agency_name),
        level: row.level, signLevel: row.sign_level, jurisdictionLevel: row.jurisdiction_level,
        jurisdiction: row.jurisdiction_name, county: row.county_fips, population: row.population,
        matchMethod: row.match_method, requested: row.requested_models, footprint: row.bridge ? pairs(row.bridge) : null,
        census: false
      };
    });
    rowsOf(source.seats).forEach(function (row) {
      var level = row.police ? "municipal" : "county";
      var footprint = row.bridge ? pairs(row.bridge) : row.police ? [[row.county_fips, row.population]] : null;
      self.agencies.push({
        state: row.state_code, name: row.agency_name, key: row.key || agencyKey(row.agency_name),
        level: level, signLevel: level, jurisdictionLevel: row.police ? "place" : "county", jurisdiction: null,
        county: row.county_fips, population: row.population, matchMethod: "census seat", requested: null,
        footprint: footprint && footprint.length ? footprint : null, census: true
      });
    });
    this.byKey = new Map();
    this.agencies.forEach(function (agency, id) {
      agency.id = id;
      self.byKey.set(agency.state + "|" + agency.key, agency);
    });
    this.history = rowsOf(source.history);
    this.history.forEach(function (row) { row.agencyRecord = self.agencies[row.agency]; });
    this.stateCodes = new Set(this.states.map(function (row) { return row.state_code; }));
    this.cache = new Map();
  }

  /* The newest usable list dated on or before `day` (the newest of all when none is given), or -1. */
  Model.prototype.listOnOrBefore = function (day) {
    if (!day) { return this.newest; }
    var found = -1;
    for (var i = 0; i < this.lists.length; i++) { if (this.lists[i].snapshot_date <= day) { found = i; } }
    return found;
  };

  function presentIn(row, position) {
    if (position < row.first || position > row.last) { return false; }
    var gaps = row.gaps;
    for (var g = 0; gaps && g < gaps.length; g += 2) {
      if (position >= gaps[g] && position < gaps[g + 1]) { return false; }
    }
    return true;
  }

  /* The agreements of the usable list at `position`: history rows seen then (first and last list, minus gaps). */
  Model.prototype.agreementsAt = function (position) {
    var run = [];
    this.history.forEach(function (row) {
      if (presentIn(row, position)) {
        run.push({ agency: row.agencyRecord, model: row.model, signed: row.signed_date, level: row.level, history: row });
      }
    });
    return run;
  };

  function heldModels(run) {
    var held = new Map();
    run.forEach(function (agreement) {
      var models = held.get(agreement.agency.id);
      if (!models) { models = new Set(); held.set(agreement.agency.id, models); }
      models.add(agreement.model);
    });
    return held;
  }

  function asList(value) { return Array.isArray(value) ? value : [value]; }

  function choices(value, allowed, where, name) {
    var values = asList(value);
    if (!values.length) { fail(where + ": field '" + name + "' is an empty list"); }
    values.forEach(function (item) {
      if (allowed.indexOf(item) < 0) { fail(where + ": field '" + name + "': " + JSON.stringify(item) + " is not one of " + allowed.join(", ")); }
    });
    return new Set(values);
  }

  function population(value, where, name) {
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
      fail(where + ": field '" + name + "': " + JSON.stringify(value) + " is not a whole number of residents (0 or more)");
    }
    return value;
  }

  function isoDate(value, where, name) {
    if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(value)) { fail(where + ": field '" + name + "': " + JSON.stringify(value) + " is not a date (YYYY-MM-DD)"); }
    return value;
  }

  /* An operation's selection, checked as lib/scenarios.py checks it (fields, values). */
  Model.prototype.selection = function (action, body, where) {
    var self = this;
    Object.keys(body).forEach(function (name) {
      if (FIELDS[action].indexOf(name) < 0) { fail(where + ": unknown field '" + name + "'; allowed fields: " + FIELDS[action].join(", ")); }
    });
    var codes = this.allStateCodes();
    var selection = {};
    if ("states" in body) { selection.states = choices(body.states, codes, where, "states"); }
    if ("level" in body) { selection.levels = choices(body.level, LEVELS, where, "level"); }
    if (action === "end" && "model" in body) { selection.models = choices(body.model, MODELS, where, "model"); }
    ["holding", "not_holding"].forEach(function (name) { if (name in body) { selection[name] = choices(body[name], MODELS, where, name); } });
    ["min_population", "max_population"].forEach(function (name) { if (name in body) { selection[name] = population(body[name], where, name); } });
    ["signed_from", "signed_to"].forEach(function (name) { if (name in body) { selection[name] = isoDate(body[name], where, name); } });
    if ("pending" in body) {
      if (typeof body.pending !== "boolean") { fail(where + ": field 'pending' is not one of true, false"); }
      selection.pending = body.pending;
    }
    if ("agencies" in body) {
      selection.agencies = new Set();
      asList(body.agencies).forEach(function (ref) {
        var key = (ref && ref.state) + "|" + agencyKey(ref && ref.name);
        if (!self.byKey.has(key)) { fail(where + ": unknown agency " + (ref && ref.state) + " " + (ref && ref.name)); }
        selection.agencies.add(key);
      });
    }
    return selection;
  };

  Model.prototype.allStateCodes = function () {
    if (!this.codes) {
      var codes = new Set(this.stateCodes);
      this.agencies.forEach(function (agency) { codes.add(agency.state); });
      this.codes = Array.from(codes).sort();
    }
    return this.codes;
  };

  function holdsAny(models, wanted) {
    if (!models) { return false; }
    for (var m = 0; m < MODELS.length; m++) { if (wanted.has(MODELS[m]) && models.has(MODELS[m])) { return true; } }
    return false;
  }

  function inSet(set, value) { return !set || set.has(value); }

  /* sign: each selected agency gains the model (pending ones: the models they asked for) unless it holds it;
     holding filters read the run as it stands before this operation (scenarios/sign.sql). */
  Model.prototype.sign = function (run, body, where, number) {
    var selection = this.selection("sign", body, where);
    var model = body.model;
    var requested = model === REQUESTED;
    if (model === undefined) { fail(where + ": field 'model' is required"); }
    if (!requested && MODELS.indexOf(model) < 0) { fail(where + ": field 'model': " + JSON.stringify(model) + " is not one of " + MODELS.concat([REQUESTED]).join(", ")); }
    if (requested && !selection.pending) { fail(where + ": field 'model': 'requested' needs 'pending: true'"); }
    var held = heldModels(run);
    var added = [];
    this.agencies.forEach(function (agency) {
      var models = held.get(agency.id);
      if (!inSet(selection.states, agency.state) || !inSet(selection.levels, agency.signLevel)) { return; }
      if (selection.min_population !== undefined && !(agency.population !== null && agency.population >= selection.min_population)) { return; }
      if (selection.max_population !== undefined && !(agency.population !== null && agency.population <= selection.max_population)) { return; }
      if (selection.pending && !agency.requested) { return; }
      if (selection.agencies && !selection.agencies.has(agency.state + "|" + agency.key)) { return; }
      if (selection.holding && !holdsAny(models, selection.holding)) { return; }
      if (selection.not_holding && holdsAny(models, selection.not_holding)) { return; }
      (requested ? agency.requested : [model]).forEach(function (signing) {
        if (!models || !models.has(signing)) {
          added.push({ agency: agency, model: signing, signed: null, level: agency.level, operation: number });
        }
      });
    });
    return run.concat(added);
  };

  /* end: the run's agreements matching every given filter end (scenarios/end.sql). */
  Model.prototype.end = function (run, body, where) {
    var s = this.selection("end", body, where);
    return run.filter(function (agreement) {
      var agency = agreement.agency;
      var matches = inSet(s.states, agency.state) && inSet(s.levels, agreement.level) && inSet(s.models, agreement.model)
        && (!s.signed_from || (agreement.signed !== null && agreement.signed >= s.signed_from))
        && (!s.signed_to || (agreement.signed !== null && agreement.signed <= s.signed_to))
        && (!s.agencies || s.agencies.has(agency.state + "|" + agency.key));
      return !matches;
    });
  };

  Model.prototype.apply = function (run, operation, number) {
    var where = "operation " + number;
    if (!operation || typeof operation !== "object" || Array.isArray(operation) || Object.keys(operation).length !== 1) {
      fail(where + ": an operation is a mapping with one key, one of sign, end, as_of");
    }
    var action = Object.keys(operation)[0];
    if (!FIELDS[action]) { fail(where + ": unknown operation " + JSON.stringify(action) + "; allowed operations: sign, end, as_of"); }
    where += " (" + action + ")";
    var body = operation[action] || {};
    if (action === "as_of") {
      Object.keys(body).forEach(function (name) { if (name !== "date") { fail(where + ": unknown field '" + name + "'"); } });
      var position = this.listOnOrBefore(isoDate(body.date, where, "date"));
      if (position < 0) { fail(where + ": no usable participating list on or before " + body.date); }
      return this.agreementsAt(position);
    }
    return action === "sign" ? this.sign(run, body, where, number) : this.end(run, body, where);
  };

  function emptyFigures() {
    return {
      agreements: 0, agencies: 0, jem: 0, wso: 0, tfm: 0, population_covered: 0, population_covered_jem: 0,
      population_covered_wso: 0, population_covered_tfm: 0, statewide_agencies: 0, agreements_not_found: 0
    };
  }

  var MODEL_INDEX = { JEM: 0, WSO: 1, TFM: 2 };
  var ANY = 3;

  /* An agency's county footprint, worked out once: each county it touches, the residents it counts there
     (the whole county for a sheriff or jail), whether it is its principal county, and a number standing for
     (agency key, level, residents), the tuple geography/coverage.sql counts residents of once per county and model. */
  Model.prototype.partsOf = function (agency) {
    if (agency.parts) { return agency.parts; }
    var counties = this.counties;
    var tokens = this.tokens || (this.tokens = new Map());
    var level = agency.jurisdictionLevel;
    agency.parts = (agency.footprint || [[agency.county, null]]).map(function (part) {
      var county = counties.get(part[0]);
      var residents = level === "county" ? (county ? county.population : null) : part[1];
      var name = agency.key + "|" + level + "|" + residents;
      if (!tokens.has(name)) { tokens.set(name, tokens.size); }
      return { fips: part[0], residents: residents, principal: agency.county !== null && part[0] === agency.county, token: tokens.get(name) };
    });
    return agency.parts;
  };

  /* Population covered and counts, per county, state and nation: geography/coverage.sql's rule. */
  Model.prototype.coverage = function (run) {
    var counties = this.counties;
    var perCounty = new Map();
    for (var r = 0; r < run.length; r++) {
      var agreement = run[r];
      var agency = agreement.agency;
      if (!LOCAL[agency.jurisdictionLevel]) { continue; }
      var isCounty = agency.jurisdictionLevel === "county";
      var model = MODEL_INDEX[agreement.model];
      var parts = this.partsOf(agency);
      for (var p = 0; p < parts.length; p++) {
        var part = parts[p];
        var entry = perCounty.get(part.fips);
        if (!entry) {
          entry = { seen: new Set(), countyAgency: [false, false, false, false], local: [null, null, null, null],
            agreements: 0, agencies: new Set(), byModel: [0, 0, 0] };
          perCounty.set(part.fips, entry);
        }
        if (part.principal) {
          entry.agreements += 1;
          entry.agencies.add(agency.id);
          entry.byModel[model] += 1;
        }
        /* Residents are summed over distinct (agency key, level, residents), per model and for any model. */
        for (var m = 0; m < 2; m++) {
          var slot = m === 0 ? model : ANY;
          var seen = part.token * 4 + slot;
          if (entry.seen.has(seen)) { continue; }
          entry.seen.add(seen);
          if (isCounty) { entry.countyAgency[slot] = true; }
          else if (part.residents !== null) { entry.local[slot] = (entry.local[slot] || 0) + part.residents; }
        }
      }
    }
    var countyResults = {};
    perCounty.forEach(function (entry, fips) {
      var county = counties.get(fips);
      if (!county) { return; }
      var covered = function (slot) {
        if (entry.countyAgency[slot]) { return county.population; }
        if (entry.local[slot] === null) { return 0; }
        return county.population === null ? entry.local[slot] : Math.min(entry.local[slot], county.population);
      };
      countyResults[fips] = {
        state_code: county.state_code, agreements: entry.agreements, agencies: entry.agencies.size,
        jem: entry.byModel[0], wso: entry.byModel[1], tfm: entry.byModel[2], population_covered: covered(ANY),
        population_covered_jem: covered(0), population_covered_wso: covered(1), population_covered_tfm: covered(2)
      };
    });
    return this.summarize(run, countyResults);
  };

  function count(target, agreement, notFound) {
    target.agreements += 1;
    target[agreement.model.toLowerCase()] += 1;
    if (notFound) { target.agreements_not_found += 1; }
  }

  function addTo(sets, scope, id) {
    var set = sets.get(scope);
    if (!set) { set = new Set(); sets.set(scope, set); }
    set.add(id);
  }

  Model.prototype.summarize = function (run, countyResults) {
    var states = {};
    var national = emptyFigures();
    national.population = 0;
    this.states.forEach(function (row) {
      states[row.state_code] = Object.assign(emptyFigures(), { population: row.population });
      national.population += row.population || 0;
    });
    var agencies = new Map([["", new Set()]]);
    var statewide = new Map([["", new Set()]]);
    for (var r = 0; r < run.length; r++) {
      var agreement = run[r];
      var agency = agreement.agency;
      var figures = states[agency.state] || (states[agency.state] = Object.assign(emptyFigures(), { population: null }));
      var notFound = !agency.jurisdictionLevel || agency.jurisdictionLevel === "other";
      count(figures, agreement, notFound);
      count(national, agreement, notFound);
      addTo(agencies, agency.state, agency.id);
      addTo(agencies, "", agency.id);
      if (agency.jurisdictionLevel === "state") {
        addTo(statewide, agency.state, agency.id);
        addTo(statewide, "", agency.id);
      }
    }
    var coveredNames = ["population_covered", "population_covered_jem", "population_covered_wso", "population_covered_tfm"];
    Object.keys(countyResults).forEach(function (fips) {
      var county = countyResults[fips];
      var target = states[county.state_code];
      if (!target) { return; }
      coveredNames.forEach(function (name) {
        target[name] += county[name];
        national[name] += county[name];
      });
    });
    Object.keys(states).forEach(function (code) {
      states[code].agencies = agencies.has(code) ? agencies.get(code).size : 0;
      states[code].statewide_agencies = statewide.has(code) ? statewide.get(code).size : 0;
    });
    national.agencies = agencies.get("").size;
    national.statewide_agencies = statewide.get("").size;
    return Object.assign(national, { states: states, counties: countyResults });
  };

  /* A scenario's figures: `operations` (a YAML preset's list) applied to the list of `baseline` (default: the
     newest), with the baseline's own figures beside them and the agreements added and ended. */
  Model.prototype.simulate = function (operations, baseline) {
    if (!Array.isArray(operations)) { fail("operations must be a list"); }
    var position = this.listOnOrBefore(baseline || null);
    if (position < 0) { fail("no usable participating list on or before " + baseline); }
    var base = this.baselineAt(position);
    var run = base.run;
    for (var i = 0; i < operations.length; i++) { run = this.apply(run, operations[i], i + 1); }
    var result = operations.length ? this.coverage(run) : base.figures;
    return Object.assign({}, result, {
      list_date: this.lists[position].snapshot_date, baseline: base.figures, run: run, baselineRun: base.run
    });
  };

  Model.prototype.baselineAt = function (position) {
    if (!this.cache.has(position)) {
      var run = this.agreementsAt(position);
      this.cache.set(position, { run: run, figures: this.coverage(run) });
    }
    return this.cache.get(position);
  };

  /* Agreements in one run and not the other, by state, agency, model and signing date. */
  function identity(agreement) {
    return agreement.agency.state + "|" + agreement.agency.key + "|" + agreement.model + "|" + agreement.signed;
  }
  function changes(result) {
    var before = new Set(result.baselineRun.map(identity));
    var after = new Set(result.run.map(identity));
    return {
      added: result.run.filter(function (a) { return !before.has(identity(a)); }),
      ended: result.baselineRun.filter(function (a) { return !after.has(identity(a)); })
    };
  }

  global.g287Model = { Model: Model, agencyKey: agencyKey, changes: changes, MODELS: MODELS, LEVELS: LEVELS };
})(window);
