-- A run's agreements become those of one participating list, exactly as marts.current_agreements reads the
-- newest: one row per agreement (a file may list one twice), its history id and its jurisdiction.
DELETE FROM coverage_agreements WHERE run = $run;

INSERT INTO coverage_agreements
WITH listed AS (
    SELECT a.*, row_number() OVER (
        PARTITION BY a.state_code, a.agency_key, a.model, a.signed_date ORDER BY a.source_row
    ) AS listing
    FROM clean.agreements a
    WHERE a.snapshot_key = $snapshot_key
)
SELECT $run, l.state_code, l.state_fips, l.agency_name, l.agency_key, l.level, l.model, l.signed_date,
       h.agreement_id, j.jurisdiction_level, j.jurisdiction_name, j.county_fips, j.place_geoid, j.population,
       j.match_method, j.not_found_reason, 'listed', $operation
FROM listed l
LEFT JOIN history.agreements h
       ON h.state_code = l.state_code AND h.agency_key = l.agency_key AND h.model = l.model
      AND h.signed_date IS NOT DISTINCT FROM l.signed_date
LEFT JOIN geo.agency_jurisdictions j ON j.state_code = l.state_code AND j.agency_key = l.agency_key
WHERE l.listing = 1;
