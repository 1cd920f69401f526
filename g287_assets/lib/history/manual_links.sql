-- The manual links table (already reduced to agency keys by the caller) matched to the keys of this build.
-- A name written with an abbreviation or a reviewed alias is read as the agency key cleaning gave it
-- (h_alias_keys). A row whose `from` or `to` agreement was never seen in a usable list keeps a NULL key and
-- is reported; a row whose two sides are now one agreement decides nothing and links nothing.
WITH resolved AS (
    SELECT
        m.* REPLACE (
            coalesce(fa.agency_key, m.from_agency_key) AS from_agency_key,
            coalesce(ta.agency_key, m.to_agency_key) AS to_agency_key
        )
    FROM h_manual_input AS m
    LEFT JOIN h_alias_keys AS fa ON fa.state_code = m.state_code AND fa.alias_key = m.from_agency_key
    LEFT JOIN h_alias_keys AS ta ON ta.state_code = m.state_code AND ta.alias_key = m.to_agency_key
)
SELECT
    m.row_number,
    m.decision,
    m.reason,
    f.key_no AS from_key,
    t.key_no AS to_key
FROM resolved AS m
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
WHERE f.key_no IS DISTINCT FROM t.key_no OR f.key_no IS NULL
ORDER BY m.row_number;
