-- The pending list scenarios can sign: one row per agency of the newest usable pending list, with the models
-- it asked for, and whether geo.agency_jurisdictions already knows it (from a participating list).
CREATE OR REPLACE TEMP TABLE pending_list AS
WITH newest AS (
    SELECT snapshot_key, snapshot_date
    FROM raw.snapshots
    WHERE status = 'usable' AND list_kind = 'pending'
    ORDER BY snapshot_at DESC, snapshot_key DESC
    LIMIT 1
)
SELECT a.state_code, any_value(a.state_fips) AS state_fips, a.agency_key,
       arg_min(a.agency_name, a.source_row) AS agency_name,
       arg_min(a.level, a.source_row) AS level,
       arg_min(a.county_name, a.source_row) AS county_name,
       list(DISTINCT a.model ORDER BY a.model) FILTER (WHERE a.model IS NOT NULL) AS requested_models,
       any_value(n.snapshot_key) AS snapshot_key, any_value(n.snapshot_date) AS snapshot_date,
       bool_or(j.agency_key IS NOT NULL) AS known
FROM clean.agreements a
JOIN newest n USING (snapshot_key)
LEFT JOIN geo.agency_jurisdictions j ON j.state_code = a.state_code AND j.agency_key = a.agency_key
GROUP BY a.state_code, a.agency_key
ORDER BY a.state_code, a.agency_key;
