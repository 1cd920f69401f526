-- Pairs that could be one agreement corrected: a key that is gone for good (its last sighting is before the
-- newest usable list) and a key first seen within $gap_window usable snapshots of that disappearance, after
-- the vanishing key itself first appeared. Two kinds of pair:
--   * same state and model: a renamed or re-dated agreement (names are scored in Python);
--   * another state, with the same agency key, model and signing date, appearing in the very list the key
--     vanished from: a state-code fix ("Crow Wing County Sheriff's Office" listed under MA, then under MN).
--     Counties of one name exist in several states, so only this exact one-transition swap qualifies.
WITH
newest AS (SELECT max(seq) AS seq FROM h_snapshots),
vanished AS (
    SELECT k.*, k.last_seq + 1 AS vanish_seq
    FROM h_keys AS k, newest
    WHERE k.last_seq < newest.seq
),
appeared AS (
    SELECT k.* FROM h_keys AS k WHERE k.first_seq > 1
),
same_state AS (
    SELECT v.key_no AS from_key, a.key_no AS to_key
    FROM vanished AS v
    JOIN appeared AS a
        ON a.state_code = v.state_code
        AND a.model = v.model
        AND a.first_seq > v.first_seq
        AND a.first_seq BETWEEN v.vanish_seq - $gap_window AND v.vanish_seq + $gap_window
        AND a.key_no <> v.key_no
),
state_fixed AS (
    SELECT v.key_no AS from_key, a.key_no AS to_key
    FROM vanished AS v
    JOIN appeared AS a
        ON a.state_code <> v.state_code
        AND a.agency_key = v.agency_key
        AND a.model = v.model
        AND a.signed_date = v.signed_date
        AND a.first_seq = v.vanish_seq
)
SELECT
    p.from_key,
    p.to_key,
    v.state_code,
    v.state_code AS from_state_code,
    a.state_code AS to_state_code,
    v.model,
    v.agency_key AS from_agency_key,
    a.agency_key AS to_agency_key,
    v.signed_date AS from_signed_date,
    a.signed_date AS to_signed_date,
    v.last_moa_url AS from_moa_url,
    a.first_moa_url AS to_moa_url,
    v.vanish_seq,
    a.first_seq AS appear_seq
FROM (SELECT * FROM same_state UNION SELECT * FROM state_fixed) AS p
JOIN vanished AS v ON v.key_no = p.from_key
JOIN appeared AS a ON a.key_no = p.to_key
ORDER BY v.state_code, v.model, v.agency_key, a.state_code, a.agency_key;
