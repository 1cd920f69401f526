-- Pairs that could be one agreement corrected: a key that is gone for good (its last sighting is before the
-- newest usable list) and a key of the same state and model first seen within $gap_window usable snapshots
-- of that disappearance, after the vanishing key itself first appeared. Only keys whose composite key
-- changed can form a pair; the scoring of names happens in Python over this small set.
WITH
newest AS (SELECT max(seq) AS seq FROM h_snapshots),
vanished AS (
    SELECT k.*, k.last_seq + 1 AS vanish_seq
    FROM h_keys AS k, newest
    WHERE k.last_seq < newest.seq
),
appeared AS (
    SELECT k.* FROM h_keys AS k WHERE k.first_seq > 1
)
SELECT
    v.key_no AS from_key,
    a.key_no AS to_key,
    v.state_code,
    v.model,
    v.agency_key AS from_agency_key,
    a.agency_key AS to_agency_key,
    v.signed_date AS from_signed_date,
    a.signed_date AS to_signed_date,
    v.vanish_seq,
    a.first_seq AS appear_seq
FROM vanished AS v
JOIN appeared AS a
    ON a.state_code = v.state_code
    AND a.model = v.model
    AND a.first_seq > v.first_seq
    AND a.first_seq BETWEEN v.vanish_seq - $gap_window AND v.vanish_seq + $gap_window
    AND a.key_no <> v.key_no
ORDER BY v.state_code, v.model, v.agency_key, a.agency_key;
