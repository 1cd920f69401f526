-- The tables most people query: today's agreements, and county and state summaries with population covered.
-- "Covered" counts residents whose local agency (sheriff or county jail, or their city's or town's police)
-- holds an agreement; a resident of a city inside a covered county is counted once. State agencies are
-- reported beside coverage, not inside it (see the README).

CREATE SCHEMA IF NOT EXISTS marts;

CREATE OR REPLACE TABLE marts.current_agreements AS
WITH newest AS (
    SELECT snapshot_key, snapshot_date
    FROM raw.snapshots
    WHERE status = 'usable' AND list_kind = 'participating'
    ORDER BY snapshot_at DESC, snapshot_key DESC
    LIMIT 1
), listed AS (
    -- One row per agreement: a file may list one agreement twice under two spellings of the name.
    SELECT a.*, row_number() OVER (
        PARTITION BY a.state_code, a.agency_key, a.model, a.signed_date ORDER BY a.source_row
    ) AS listing
    FROM clean.agreements a JOIN newest USING (snapshot_key)
)
SELECT l.snapshot_key, l.snapshot_date, l.list_kind, l.source_row, l.state_code, l.state_fips, l.agency_name,
       l.agency_key, l.county_name, l.level, l.level_source, l.model, l.signed_date, l.signed_raw, l.moa_url,
       l.addendum_url, l.corrections,
       h.agreement_id, h.lineage_id, h.first_seen_date,
       j.jurisdiction_level, j.jurisdiction_name, j.county_fips, j.place_geoid, j.population, j.latitude,
       j.longitude, j.match_method, j.not_found_reason
FROM listed l
LEFT JOIN history.agreements h
       ON h.state_code = l.state_code AND h.agency_key = l.agency_key AND h.model = l.model
      AND h.signed_date IS NOT DISTINCT FROM l.signed_date
LEFT JOIN geo.agency_jurisdictions j ON j.state_code = l.state_code AND j.agency_key = l.agency_key
WHERE l.listing = 1
ORDER BY l.state_code, l.agency_name, l.model;

-- Each local agreement's footprint: the counties (and the residents in each) its agency's jurisdiction covers.
CREATE OR REPLACE TEMP TABLE local_footprints AS
SELECT c.agreement_id, c.model, c.state_code, c.agency_key, c.jurisdiction_level,
       coalesce(b.county_fips, c.county_fips) AS county_fips,
       CASE WHEN c.jurisdiction_level = 'county' THEN county.population ELSE b.part_population END AS residents,
       coalesce(b.county_fips, c.county_fips) = c.county_fips AS principal_county
FROM marts.current_agreements c
LEFT JOIN geo.agency_counties b ON b.state_code = c.state_code AND b.agency_key = c.agency_key
LEFT JOIN geo.counties county ON county.county_fips = coalesce(b.county_fips, c.county_fips)
WHERE c.jurisdiction_level IN ('county', 'place', 'county_subdivision');

-- Residents covered per county and model: the whole county when its sheriff or jail signed, else the sum of
-- its covered cities' and towns' parts, never more than the county.
CREATE OR REPLACE TEMP TABLE county_coverage AS
WITH footprints AS (
    SELECT DISTINCT county_fips, model, agency_key, jurisdiction_level, residents FROM local_footprints
), tagged AS (
    SELECT * FROM footprints
    UNION ALL
    SELECT DISTINCT county_fips, 'ANY' AS model, agency_key, jurisdiction_level, residents FROM footprints
), summed AS (
    SELECT county_fips, model,
           bool_or(jurisdiction_level = 'county') AS county_agency,
           sum(residents) FILTER (WHERE jurisdiction_level <> 'county') AS local_residents
    FROM tagged GROUP BY ALL
)
SELECT s.county_fips, s.model,
       CASE WHEN s.county_agency THEN county.population
            ELSE least(coalesce(s.local_residents, 0), county.population) END::BIGINT AS covered
FROM summed s
JOIN geo.counties county USING (county_fips);

CREATE OR REPLACE TABLE marts.county_summary AS
WITH counted AS (
    -- Agreements and agencies are counted in their agency's principal county only, so they add up.
    SELECT county_fips, count(*) AS agreements, count(DISTINCT agency_key) AS agencies,
           count(*) FILTER (WHERE model = 'JEM') AS jem,
           count(*) FILTER (WHERE model = 'WSO') AS wso,
           count(*) FILTER (WHERE model = 'TFM') AS tfm
    FROM local_footprints WHERE principal_county GROUP BY ALL
), covered AS (
    PIVOT county_coverage ON model IN ('ANY', 'JEM', 'WSO', 'TFM') USING first(covered)
)
SELECT county.county_fips, county.county_name, county.state_code, county.state_fips, county.population,
       coalesce(c.agreements, 0) AS agreements, coalesce(c.agencies, 0) AS agencies,
       coalesce(c.jem, 0) AS jem, coalesce(c.wso, 0) AS wso, coalesce(c.tfm, 0) AS tfm,
       round(coalesce(c.agreements, 0) * 100000.0 / nullif(county.population, 0), 3)::DOUBLE AS agreements_per_100k,
       coalesce(v."ANY", 0) AS population_covered,
       coalesce(v."JEM", 0) AS population_covered_jem,
       coalesce(v."WSO", 0) AS population_covered_wso,
       coalesce(v."TFM", 0) AS population_covered_tfm,
       round(coalesce(v."ANY", 0) / nullif(county.population, 0), 4)::DOUBLE AS share_covered,
       county.latitude, county.longitude
FROM geo.counties county
LEFT JOIN counted c USING (county_fips)
LEFT JOIN covered v USING (county_fips)
ORDER BY county.county_fips;

CREATE OR REPLACE TABLE marts.state_summary AS
WITH agreements AS (
    SELECT state_code, count(*) AS agreements, count(DISTINCT agency_key) AS agencies,
           count(*) FILTER (WHERE model = 'JEM') AS jem,
           count(*) FILTER (WHERE model = 'WSO') AS wso,
           count(*) FILTER (WHERE model = 'TFM') AS tfm,
           count(DISTINCT agency_key) FILTER (WHERE jurisdiction_level = 'state') AS statewide_agencies,
           string_agg(DISTINCT agency_name || ' (' || model || ')', '; ' ORDER BY agency_name || ' (' || model || ')')
               FILTER (WHERE jurisdiction_level = 'state') AS statewide_agreements
    FROM marts.current_agreements GROUP BY ALL
), covered AS (
    SELECT state_code, sum(population_covered)::BIGINT AS population_covered,
           sum(population_covered_jem)::BIGINT AS population_covered_jem,
           sum(population_covered_wso)::BIGINT AS population_covered_wso,
           sum(population_covered_tfm)::BIGINT AS population_covered_tfm
    FROM marts.county_summary GROUP BY ALL
), states AS (
    SELECT state_code, state_fips, state_name, population FROM geo.states
    UNION ALL
    -- Territories with agreements but no state population row still get a row.
    SELECT DISTINCT a.state_code, a.state_fips, NULL, NULL
    FROM marts.current_agreements a ANTI JOIN geo.states s USING (state_code)
)
SELECT s.state_code, s.state_fips, s.state_name, s.population,
       coalesce(a.agreements, 0) AS agreements, coalesce(a.agencies, 0) AS agencies,
       coalesce(a.jem, 0) AS jem, coalesce(a.wso, 0) AS wso, coalesce(a.tfm, 0) AS tfm,
       coalesce(v.population_covered, 0) AS population_covered,
       coalesce(v.population_covered_jem, 0) AS population_covered_jem,
       coalesce(v.population_covered_wso, 0) AS population_covered_wso,
       coalesce(v.population_covered_tfm, 0) AS population_covered_tfm,
       round(coalesce(v.population_covered, 0) / nullif(s.population, 0), 4)::DOUBLE AS share_covered,
       coalesce(a.statewide_agencies, 0)::BIGINT AS statewide_agencies,
       a.statewide_agreements
FROM states s
LEFT JOIN agreements a USING (state_code)
LEFT JOIN covered v USING (state_code)
ORDER BY s.state_code;
