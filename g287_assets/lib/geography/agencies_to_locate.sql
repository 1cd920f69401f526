-- The agencies to locate: one row per (state_code, agency_key) of every usable participating list, with
-- the name, level and county of its newest appearance (latest list, then its first row for the agency), and
-- the state history moved it to when ICE had listed all its agreements under a wrong state (history.links).
WITH moved AS (
    SELECT f.state_code, f.agency_key, min(l.to_state_code) AS moved_to_state
    FROM history.links l
    JOIN history.agreements f ON f.agreement_id = l.from_agreement_id
    WHERE l.change_kind = 'state_corrected'
    GROUP BY f.state_code, f.agency_key
    HAVING NOT EXISTS (
        SELECT 1 FROM history.agreements a
        WHERE a.state_code = f.state_code AND a.agency_key = f.agency_key AND a.agreement_id NOT IN (
            SELECT from_agreement_id FROM history.links WHERE change_kind = 'state_corrected'))
), seen AS (
    SELECT a.state_code, a.state_fips, a.agency_key, a.agency_name, a.level, a.county_name,
           a.snapshot_date,
           row_number() OVER (
               PARTITION BY a.state_code, a.agency_key
               ORDER BY s.snapshot_at DESC, a.snapshot_key DESC, a.county_name IS NULL, a.source_row
           ) AS recency
    FROM clean.agreements a
    JOIN raw.usable_participating_lists s USING (snapshot_key)
), span AS (
    SELECT state_code, agency_key, min(snapshot_date) AS first_seen_date, max(snapshot_date) AS last_seen_date
    FROM seen GROUP BY ALL
)
SELECT seen.state_code, seen.state_fips, seen.agency_key, seen.agency_name, seen.level, seen.county_name,
       span.first_seen_date, span.last_seen_date, moved.moved_to_state
FROM seen JOIN span USING (state_code, agency_key)
LEFT JOIN moved USING (state_code, agency_key)
WHERE seen.recency = 1
ORDER BY seen.state_code, seen.agency_key
