-- Each scenario beside its baseline, per state and nationally, per county, and the agreements it changes.
-- Input: the temp table scenario_runs(scenario, run, baseline_run, baseline_date, baseline_snapshot_key) and
-- the coverage tables of geography/coverage.sql.

CREATE OR REPLACE TEMP TABLE scenario_results AS
SELECT r.scenario, s.state_code, s.population,
       s.agreements, s.agencies, s.jem, s.wso, s.tfm,
       s.population_covered::BIGINT AS population_covered,
       s.population_covered_jem::BIGINT AS population_covered_jem,
       s.population_covered_wso::BIGINT AS population_covered_wso,
       s.population_covered_tfm::BIGINT AS population_covered_tfm,
       round(s.population_covered / nullif(s.population, 0), 4)::DOUBLE AS share_covered,
       s.statewide_agencies, s.agreements_not_found,
       (s.agreements - b.agreements) AS delta_agreements,
       (s.agencies - b.agencies) AS delta_agencies,
       (s.population_covered - b.population_covered)::BIGINT AS delta_population_covered,
       b.agreements AS baseline_agreements, b.agencies AS baseline_agencies,
       b.jem AS baseline_jem, b.wso AS baseline_wso, b.tfm AS baseline_tfm,
       b.population_covered::BIGINT AS baseline_population_covered,
       b.population_covered_jem::BIGINT AS baseline_population_covered_jem,
       b.population_covered_wso::BIGINT AS baseline_population_covered_wso,
       b.population_covered_tfm::BIGINT AS baseline_population_covered_tfm,
       b.statewide_agencies AS baseline_statewide_agencies,
       r.baseline_date, r.baseline_snapshot_key
FROM scenario_runs r
JOIN coverage_states s ON s.run = r.run
JOIN coverage_states b ON b.run = r.baseline_run AND b.state_code IS NOT DISTINCT FROM s.state_code
ORDER BY r.scenario, s.state_code NULLS FIRST;

CREATE OR REPLACE TEMP TABLE scenario_county_coverage AS
SELECT r.scenario, s.county_fips, s.county_name, s.state_code, s.population,
       s.agreements, s.agencies, s.jem, s.wso, s.tfm,
       s.population_covered, s.population_covered_jem, s.population_covered_wso, s.population_covered_tfm,
       round(s.population_covered / nullif(s.population, 0), 4)::DOUBLE AS share_covered,
       b.agreements AS baseline_agreements, b.population_covered AS baseline_population_covered,
       (s.agreements - b.agreements) AS delta_agreements,
       (s.population_covered - b.population_covered) AS delta_population_covered
FROM scenario_runs r
JOIN coverage_counties s ON s.run = r.run
JOIN coverage_counties b ON b.run = r.baseline_run AND b.county_fips = s.county_fips
ORDER BY r.scenario, s.county_fips;

-- An agreement is the same in both runs when its state, agency, model and signing date are.
CREATE OR REPLACE TEMP TABLE scenario_changes AS
WITH pairs AS (
    SELECT r.scenario, 'added' AS change, s.*
    FROM scenario_runs r
    JOIN coverage_agreements s ON s.run = r.run
    WHERE NOT EXISTS (
        SELECT 1 FROM coverage_agreements b
        WHERE b.run = r.baseline_run AND b.state_code = s.state_code AND b.agency_key = s.agency_key
          AND b.model = s.model AND b.signed_date IS NOT DISTINCT FROM s.signed_date)
    UNION ALL
    SELECT r.scenario, 'ended', b.*
    FROM scenario_runs r
    JOIN coverage_agreements b ON b.run = r.baseline_run
    WHERE NOT EXISTS (
        SELECT 1 FROM coverage_agreements s
        WHERE s.run = r.run AND s.state_code = b.state_code AND s.agency_key = b.agency_key
          AND s.model = b.model AND s.signed_date IS NOT DISTINCT FROM b.signed_date)
)
SELECT scenario, change, state_code, agency_name, agency_key, level, model, signed_date, agreement_id,
       origin, CASE WHEN change = 'added' THEN operation END AS operation, jurisdiction_level,
       jurisdiction_name, county_fips, place_geoid, population, match_method, not_found_reason
FROM pairs
ORDER BY scenario, change, state_code, agency_name, model;
