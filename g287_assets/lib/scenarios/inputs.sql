-- What every scenario draws from: the agencies it can sign (listed, pending, and the Census sheriffs and police
-- departments that hold no agreement) and the counties each one's jurisdiction touches.
-- Needs the temp tables pending_list (scenarios/pending.sql), pending_matches and pending_bridge.

-- Every agency ICE ever listed, with its jurisdiction; then pending agencies no participating list named.
CREATE OR REPLACE TEMP TABLE scenario_known AS
SELECT j.state_code, j.state_fips, j.agency_key, j.agency_name, coalesce(j.ice_level, 'other') AS level,
       j.jurisdiction_level, j.jurisdiction_name, j.county_fips, j.place_geoid, j.population, j.match_method,
       j.not_found_reason, j.last_seen_date, 'listed' AS origin
FROM geo.agency_jurisdictions j
UNION ALL
SELECT p.state_code, p.state_fips, p.agency_key, p.agency_name, coalesce(p.level, 'other'), m.jurisdiction_level,
       m.jurisdiction_name, m.county_fips, m.place_geoid, m.population, m.match_method, m.not_found_reason,
       NULL::DATE, 'pending'
FROM pending_list p
JOIN pending_matches m USING (state_code, agency_key)
WHERE NOT p.known;

-- The listed agency holding each seat: a county's sheriff (its name says so), a place's or town's police.
CREATE OR REPLACE TEMP TABLE scenario_seats AS
WITH sheriffs AS (
    SELECT state_code, agency_key, county_fips AS seat_geoid, row_number() OVER (
        PARTITION BY county_fips ORDER BY level = 'county' DESC, last_seen_date DESC NULLS LAST, agency_key
    ) AS rank
    FROM scenario_known
    WHERE jurisdiction_level = 'county' AND county_fips IS NOT NULL AND agency_key LIKE '%SHERIFF%'
), police AS (
    SELECT state_code, agency_key, place_geoid AS seat_geoid, row_number() OVER (
        PARTITION BY place_geoid
        ORDER BY agency_key LIKE '%POLICE%' DESC, level = 'municipal' DESC, last_seen_date DESC NULLS LAST,
                 agency_key
    ) AS rank
    FROM scenario_known
    WHERE jurisdiction_level IN ('place', 'county_subdivision') AND place_geoid IS NOT NULL
)
SELECT 'sheriff' AS seat, state_code, agency_key, seat_geoid FROM sheriffs WHERE rank = 1
UNION ALL
SELECT 'police', state_code, agency_key, seat_geoid FROM police WHERE rank = 1;

-- Seats no listed agency holds: one sheriff per Census county (none in the states without county sheriffs)
-- and one police department per active Census place, named after their jurisdiction.
CREATE OR REPLACE TEMP TABLE census_seats AS
WITH vacant AS (
    SELECT 'sheriff' AS seat, c.state_code, c.state_fips, c.county_name || ' Sheriff''s Office' AS agency_name,
           'county' AS level, 'county' AS jurisdiction_level, c.county_name AS jurisdiction_name, c.county_fips,
           NULL::VARCHAR AS place_geoid, c.population, c.county_fips AS geoid
    FROM geo.counties c
    WHERE NOT list_contains($no_sheriff_states::VARCHAR[], c.state_code)
      AND NOT EXISTS (SELECT 1 FROM scenario_seats s WHERE s.seat = 'sheriff' AND s.seat_geoid = c.county_fips)
    UNION ALL
    SELECT 'police', p.state_code, p.state_fips,
           regexp_replace(p.name, '(\s+([a-z][a-z-]*|\(balance\)))+$', '') || ' Police Department',
           'municipal', 'place', p.name, p.county_fips, p.place_geoid, p.population, p.place_geoid
    FROM geo.places p
    WHERE p.funcstat = 'A'
      AND NOT EXISTS (SELECT 1 FROM scenario_seats s WHERE s.seat = 'police' AND s.seat_geoid = p.place_geoid)
), keyed AS (
    -- The same key ICE's names get (lib.normalize.agency_key): upper case, apostrophes dropped, & as AND.
    SELECT *, trim(regexp_replace(regexp_replace(
               replace(replace(upper(agency_name), '''', ''), '&', ' AND '), '[^A-Z0-9 ]+', ' ', 'g'),
               ' +', ' ', 'g')) AS base_key
    FROM vacant
), flagged AS (
    SELECT k.*,
           count(*) OVER (PARTITION BY k.state_code, k.base_key) > 1
           OR EXISTS (SELECT 1 FROM scenario_known n WHERE n.state_code = k.state_code AND n.agency_key = k.base_key)
               AS name_taken
    FROM keyed k
)
-- A name already taken (by a listed agency, or two places of one name) gets its GEOID, so keys stay unique.
SELECT seat, state_code, state_fips,
       CASE WHEN name_taken THEN agency_name || ' (' || geoid || ')' ELSE agency_name END AS agency_name,
       CASE WHEN name_taken THEN base_key || ' ' || geoid ELSE base_key END AS agency_key,
       level, jurisdiction_level, jurisdiction_name, county_fips, place_geoid, population
FROM flagged;

-- Every agency a `sign` can select. sign_level is what `level:` selects: county = the sheriff seats,
-- municipal = the police seats, state and other = listed or pending agencies of that level. Other listed
-- agencies (jails, constables, a second police department of one place) are reached by name or pending.
CREATE OR REPLACE TEMP TABLE scenario_candidates AS
WITH listed AS (
    SELECT k.*, s.seat
    FROM scenario_known k
    LEFT JOIN scenario_seats s ON s.state_code = k.state_code AND s.agency_key = k.agency_key
), everyone AS (
    SELECT state_code, state_fips, agency_key, agency_name, level, seat, jurisdiction_level, jurisdiction_name,
           county_fips, place_geoid, population, match_method, not_found_reason, origin
    FROM listed
    UNION ALL
    SELECT state_code, state_fips, agency_key, agency_name, level, seat, jurisdiction_level, jurisdiction_name,
           county_fips, place_geoid, population, 'census seat', NULL, 'census'
    FROM census_seats
)
SELECT e.*,
       CASE e.seat WHEN 'sheriff' THEN 'county' WHEN 'police' THEN 'municipal'
            ELSE CASE WHEN e.level IN ('state', 'other') THEN e.level END END AS sign_level,
       p.requested_models
FROM everyone e
LEFT JOIN pending_list p ON p.state_code = e.state_code AND p.agency_key = e.agency_key;

-- The counties each agency's jurisdiction touches, with its residents in each (as geo.agency_counties).
CREATE OR REPLACE TEMP TABLE coverage_bridge AS
SELECT state_code, agency_key, county_fips, part_population FROM geo.agency_counties
UNION ALL
SELECT b.state_code, b.agency_key, b.county_fips, b.part_population
FROM pending_bridge b
WHERE NOT EXISTS (
    SELECT 1 FROM geo.agency_jurisdictions j WHERE j.state_code = b.state_code AND j.agency_key = b.agency_key
)
UNION ALL
SELECT c.state_code, c.agency_key, parts.county_fips, parts.population
FROM census_seats c
JOIN geo.place_county_parts parts ON parts.place_geoid = c.place_geoid
WHERE c.seat = 'police';

-- The agreements of every run (a baseline list, or a scenario after its operations), one row per agreement
-- with the columns of marts.current_agreements that coverage needs, and where each came from.
CREATE OR REPLACE TEMP TABLE coverage_agreements (
    run VARCHAR, state_code VARCHAR, state_fips VARCHAR, agency_name VARCHAR, agency_key VARCHAR,
    level VARCHAR, model VARCHAR, signed_date DATE, agreement_id VARCHAR, jurisdiction_level VARCHAR,
    jurisdiction_name VARCHAR, county_fips VARCHAR, place_geoid VARCHAR, population BIGINT,
    match_method VARCHAR, not_found_reason VARCHAR, origin VARCHAR, operation INTEGER
);
CREATE OR REPLACE TEMP TABLE coverage_runs (run VARCHAR);
