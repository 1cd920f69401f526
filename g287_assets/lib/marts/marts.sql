-- Today's agreements with their history id and geography; then the inputs of the coverage rule, which
-- geography/coverage.sql applies and marts/summaries.sql turns into the county and state summaries.
-- Each `INSERT INTO <table> BY NAME` rebuilds a catalogued table: run_script creates it anew from the catalog
-- (lib/warehouse/catalog.py) and the query must give exactly its columns and types.

INSERT INTO marts.current_agreements BY NAME
WITH newest AS (
    SELECT snapshot_key, snapshot_date
    FROM raw.usable_participating_lists
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
       l.agency_key, county.county_name, l.level, l.level_source, l.model, l.signed_date, l.signed_raw, l.moa_url,
       l.addendum_url, l.corrections,
       h.agreement_id, h.lineage_id, h.first_seen_date,
       j.jurisdiction_level, j.jurisdiction_name, j.county_fips, j.place_geoid, j.population, j.latitude,
       j.longitude, j.match_method, j.not_found_reason, l.name_key, l.moa_date, l.addendum_date,
       h.signed_contradicts_moa,
       l.county_name AS county_raw,
       CASE
           WHEN j.county_cell_match IS NULL OR j.county_cell_match = 'no county' THEN j.county_cell_match
           WHEN j.county_fips IS NULL THEN 'not used'
           WHEN j.county_cell_fips = j.county_fips THEN 'matches'
           ELSE 'another county'
       END AS county_raw_status,
       l.level_ice
FROM listed l
LEFT JOIN history.agreements h
       ON h.state_code = l.state_code AND h.agency_key = l.agency_key AND h.model = l.model
      AND h.signed_date IS NOT DISTINCT FROM l.signed_date
LEFT JOIN geo.agency_jurisdictions j ON j.state_code = l.state_code AND j.agency_key = l.agency_key
-- The county shown is the Census county of the agency's jurisdiction, never ICE's cell as typed.
LEFT JOIN geo.counties county ON county.county_fips = j.county_fips
WHERE l.listing = 1
ORDER BY l.state_code, l.agency_name, l.model;

-- The inputs of the shared coverage rule (geography/coverage.sql): today's agreements as the one run, "current".
CREATE OR REPLACE TEMP TABLE coverage_runs AS SELECT 'current' AS run;

CREATE OR REPLACE TEMP TABLE coverage_agreements AS SELECT 'current' AS run, * FROM marts.current_agreements;

CREATE OR REPLACE TEMP TABLE coverage_bridge AS
SELECT state_code, agency_key, county_fips, part_population FROM geo.agency_counties;
