-- The manual links table (already reduced to agency keys by the caller) matched to the keys of this build.
-- A row whose `from` or `to` agreement was never seen in a usable list keeps a NULL key and is reported.
SELECT
    m.row_number,
    m.decision,
    m.reason,
    f.key_no AS from_key,
    t.key_no AS to_key
FROM h_manual_input AS m
LEFT JOIN h_keys AS f
    ON f.state_code = m.state_code
    AND f.agency_key = m.from_agency_key
    AND f.model = m.from_model
    AND f.signed_date IS NOT DISTINCT FROM m.from_signed_date
LEFT JOIN h_keys AS t
    ON t.state_code = m.state_code
    AND t.agency_key = m.to_agency_key
    AND t.model = m.to_model
    AND t.signed_date IS NOT DISTINCT FROM m.to_signed_date
ORDER BY m.row_number;
