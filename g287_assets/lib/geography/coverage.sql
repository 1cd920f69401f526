-- Population covered, per run: the marts' rule applied to any set of agreements. "Covered" counts residents
-- whose local agency (sheriff or county jail, or their city's or town's police) holds an agreement; a resident
-- of a city inside a covered county is counted once; state agencies are reported beside coverage.
-- Input temp tables: coverage_runs(run), coverage_agreements(run + the marts.current_agreements columns
-- state_code, state_fips, agency_key, agency_name, model, jurisdiction_level, county_fips) and
-- coverage_bridge(state_code, agency_key, county_fips, part_population), shaped like geo.agency_counties.

-- Each local agreement's footprint: the counties (and the residents in each) its agency's jurisdiction covers.
CREATE OR REPLACE TEMP TABLE coverage_footprints AS
SELECT c.run, c.model, c.state_code, c.agency_key, c.jurisdiction_level,
       coalesce(b.county_fips, c.county_fips) AS county_fips,
       CASE WHEN c.jurisdiction_level = 'county' THEN county.population ELSE b.part_population END AS residents,
       coalesce(b.county_fips, c.county_fips) = c.county_fips AS principal_county
FROM coverage_agreements c
LEFT JOIN coverage_bridge b ON b.state_code = c.state_code AND b.agency_key = c.agency_key
LEFT JOIN geo.counties county ON county.county_fips = coalesce(b.county_fips, c.county_fips)
WHERE c.jurisdiction_level IN ('county', 'place', 'county_subdivision');

-- Per run and county: agreements and agencies in their agency's principal county, and residents covered per
-- model: the whole county when its sheriff or jail signed, else its covered cities' and towns' parts, never
-- more than the county.
CREATE OR REPLACE TEMP TABLE coverage_counties AS
WITH footprints AS (
    SELECT DISTINCT run, county_fips, model, agency_key, jurisdiction_level, residents FROM coverage_footprints
), tagged AS (
    SELECT * FROM footprints
    UNION ALL
    SELECT DISTINCT run, county_fips, 'ANY' AS model, agency_key, jurisdiction_level, residents FROM footprints
), summed AS (
    SELECT run, county_fips, model,
           bool_or(jurisdiction_level = 'county') AS county_agency,
           sum(residents) FILTER (WHERE jurisdiction_level <> 'county') AS local_residents
    FROM tagged GROUP BY ALL
), covered AS (
    SELECT s.run, s.county_fips, s.model,
           CASE WHEN s.county_agency THEN county.population
                ELSE least(coalesce(s.local_residents, 0), county.population) END::BIGINT AS covered
    FROM summed s
    JOIN geo.counties county USING (county_fips)
), covered_by_model AS (
    SELECT run, county_fips,
           max(covered) FILTER (WHERE model = 'ANY') AS population_covered,
           max(covered) FILTER (WHERE model = 'JEM') AS population_covered_jem,
           max(covered) FILTER (WHERE model = 'WSO') AS population_covered_wso,
           max(covered) FILTER (WHERE model = 'TFM') AS population_covered_tfm
    FROM covered GROUP BY ALL
), counted AS (
    SELECT run, county_fips, count(*) AS agreements, count(DISTINCT agency_key) AS agencies,
           count(*) FILTER (WHERE model = 'JEM') AS jem,
           count(*) FILTER (WHERE model = 'WSO') AS wso,
           count(*) FILTER (WHERE model = 'TFM') AS tfm
    FROM coverage_footprints WHERE principal_county GROUP BY ALL
)
SELECT r.run, county.county_fips, county.county_name, county.state_code, county.population,
       coalesce(c.agreements, 0) AS agreements, coalesce(c.agencies, 0) AS agencies,
       coalesce(c.jem, 0) AS jem, coalesce(c.wso, 0) AS wso, coalesce(c.tfm, 0) AS tfm,
       coalesce(v.population_covered, 0)::BIGINT AS population_covered,
       coalesce(v.population_covered_jem, 0)::BIGINT AS population_covered_jem,
       coalesce(v.population_covered_wso, 0)::BIGINT AS population_covered_wso,
       coalesce(v.population_covered_tfm, 0)::BIGINT AS population_covered_tfm
FROM coverage_runs r
CROSS JOIN geo.counties county
LEFT JOIN counted c ON c.run = r.run AND c.county_fips = county.county_fips
LEFT JOIN covered_by_model v ON v.run = r.run AND v.county_fips = county.county_fips;

-- Per run and state, plus a national row (state_code NULL): every agreement (state agencies included),
-- agencies, local population covered, statewide agencies beside it, and agreements whose agency has no Census
-- jurisdiction (NOT FOUND: counted as agreements, outside coverage).
CREATE OR REPLACE TEMP TABLE coverage_states AS
WITH states AS (
    SELECT state_code, state_name, population FROM geo.states
    UNION ALL
    -- Territories with agreements in some run but no state population row still get a row.
    SELECT DISTINCT a.state_code, NULL, NULL
    FROM coverage_agreements a
    WHERE NOT EXISTS (SELECT 1 FROM geo.states s WHERE s.state_code = a.state_code)
), counted AS (
    SELECT run, state_code, count(*) AS agreements, count(DISTINCT agency_key) AS agencies,
           count(*) FILTER (WHERE model = 'JEM') AS jem,
           count(*) FILTER (WHERE model = 'WSO') AS wso,
           count(*) FILTER (WHERE model = 'TFM') AS tfm,
           count(DISTINCT agency_key) FILTER (WHERE jurisdiction_level = 'state') AS statewide_agencies,
           count(*) FILTER (WHERE coalesce(jurisdiction_level, 'other') = 'other') AS agreements_not_found
    FROM coverage_agreements GROUP BY ALL
), national AS (
    SELECT run, count(*) AS agreements, count(DISTINCT (state_code, agency_key)) AS agencies,
           count(*) FILTER (WHERE model = 'JEM') AS jem,
           count(*) FILTER (WHERE model = 'WSO') AS wso,
           count(*) FILTER (WHERE model = 'TFM') AS tfm,
           count(DISTINCT (state_code, agency_key)) FILTER (WHERE jurisdiction_level = 'state') AS statewide_agencies,
           count(*) FILTER (WHERE coalesce(jurisdiction_level, 'other') = 'other') AS agreements_not_found
    FROM coverage_agreements GROUP BY ALL
), covered AS (
    SELECT run, state_code, sum(population_covered) AS population_covered,
           sum(population_covered_jem) AS population_covered_jem,
           sum(population_covered_wso) AS population_covered_wso,
           sum(population_covered_tfm) AS population_covered_tfm
    FROM coverage_counties GROUP BY ALL
), by_state AS (
    SELECT r.run, s.state_code, s.population,
           coalesce(a.agreements, 0) AS agreements, coalesce(a.agencies, 0) AS agencies,
           coalesce(a.jem, 0) AS jem, coalesce(a.wso, 0) AS wso, coalesce(a.tfm, 0) AS tfm,
           coalesce(v.population_covered, 0) AS population_covered,
           coalesce(v.population_covered_jem, 0) AS population_covered_jem,
           coalesce(v.population_covered_wso, 0) AS population_covered_wso,
           coalesce(v.population_covered_tfm, 0) AS population_covered_tfm,
           coalesce(a.statewide_agencies, 0) AS statewide_agencies,
           coalesce(a.agreements_not_found, 0) AS agreements_not_found
    FROM coverage_runs r
    CROSS JOIN states s
    LEFT JOIN counted a ON a.run = r.run AND a.state_code = s.state_code
    LEFT JOIN covered v ON v.run = r.run AND v.state_code = s.state_code
)
SELECT * FROM by_state
UNION ALL
SELECT r.run, NULL, (SELECT sum(population) FROM geo.states),
       coalesce(n.agreements, 0), coalesce(n.agencies, 0), coalesce(n.jem, 0), coalesce(n.wso, 0),
       coalesce(n.tfm, 0),
       (SELECT sum(population_covered) FROM by_state b WHERE b.run = r.run),
       (SELECT sum(population_covered_jem) FROM by_state b WHERE b.run = r.run),
       (SELECT sum(population_covered_wso) FROM by_state b WHERE b.run = r.run),
       (SELECT sum(population_covered_tfm) FROM by_state b WHERE b.run = r.run),
       coalesce(n.statewide_agencies, 0), coalesce(n.agreements_not_found, 0)
FROM coverage_runs r
LEFT JOIN national n ON n.run = r.run;
