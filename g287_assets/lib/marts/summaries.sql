-- County and state summaries of today's agreements, from the shared coverage rule's tables (run 'current').
-- Each `INSERT INTO <table> BY NAME` rebuilds a catalogued table: run_script creates it anew from the catalog
-- (lib/warehouse/catalog.py) and the query must give exactly its columns and types.

INSERT INTO marts.county_summary BY NAME
SELECT c.county_fips, c.county_name, c.state_code, county.state_fips, c.population,
       c.agreements, c.agencies, c.jem, c.wso, c.tfm,
       round(c.agreements * 100000.0 / nullif(c.population, 0), 3)::DOUBLE AS agreements_per_100k,
       c.population_covered, c.population_covered_jem, c.population_covered_wso, c.population_covered_tfm,
       round(c.population_covered / nullif(c.population, 0), 4)::DOUBLE AS share_covered,
       county.latitude, county.longitude
FROM coverage_counties c
JOIN geo.counties county USING (county_fips)
WHERE c.run = 'current'
ORDER BY c.county_fips;

INSERT INTO marts.state_summary BY NAME
WITH statewide AS (
    SELECT state_code, any_value(state_fips) AS state_fips,
           string_agg(DISTINCT agency_name || ' (' || model || ')', '; ' ORDER BY agency_name || ' (' || model || ')')
               FILTER (WHERE jurisdiction_level = 'state') AS statewide_agreements
    FROM marts.current_agreements GROUP BY ALL
)
SELECT s.state_code, coalesce(g.state_fips, w.state_fips) AS state_fips, g.state_name, s.population::BIGINT AS population,
       s.agreements, s.agencies, s.jem, s.wso, s.tfm,
       s.population_covered::BIGINT AS population_covered,
       s.population_covered_jem::BIGINT AS population_covered_jem,
       s.population_covered_wso::BIGINT AS population_covered_wso,
       s.population_covered_tfm::BIGINT AS population_covered_tfm,
       round(s.population_covered / nullif(s.population, 0), 4)::DOUBLE AS share_covered,
       s.statewide_agencies, w.statewide_agreements
FROM coverage_states s
LEFT JOIN geo.states g USING (state_code)
LEFT JOIN statewide w USING (state_code)
WHERE s.run = 'current' AND s.state_code IS NOT NULL
ORDER BY s.state_code;
