-- Pairs that could be one agreement corrected: a key that is gone for good (its last sighting is before the
-- newest usable list) and a key that starts a run of presence within $gap_window usable snapshots of that
-- disappearance, after the vanishing key itself first appeared. A run is either the key's first appearance or
-- its return after a gap: ICE sometimes undoes a fix ("Southampton" back to "Southhampton"), and the returning
-- old spelling is then the twin of the vanishing new one. Two kinds of pair:
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
    SELECT k.*, r.run_first_seq AS appear_seq
    FROM h_keys AS k
    JOIN h_runs AS r USING (key_no)
    WHERE r.run_first_seq > 1
),
same_state AS (
    SELECT v.key_no AS from_key, a.key_no AS to_key, a.appear_seq
    FROM vanished AS v
    JOIN appeared AS a
        ON a.state_code = v.state_code
        AND a.model = v.model
        AND a.appear_seq > v.first_seq
        AND a.appear_seq BETWEEN v.vanish_seq - $gap_window AND v.vanish_seq + $gap_window
        AND a.key_no <> v.key_no
),
state_fixed AS (
    SELECT v.key_no AS from_key, a.key_no AS to_key, a.appear_seq
    FROM vanished AS v
    JOIN appeared AS a
        ON a.state_code <> v.state_code
        AND a.agency_key = v.agency_key
        AND a.model = v.model
        AND a.signed_date = v.signed_date
        AND a.appear_seq = v.vanish_seq
),
-- A twin with several runs near the disappearance is one pair, taken at the run closest to it.
pairs AS (
    SELECT *
    FROM (SELECT * FROM same_state UNION SELECT * FROM state_fixed) AS candidate
    JOIN vanished AS v ON v.key_no = candidate.from_key
    QUALIFY row_number() OVER (
        PARTITION BY candidate.from_key, candidate.to_key
        ORDER BY abs(candidate.appear_seq - v.vanish_seq), candidate.appear_seq
    ) = 1
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
    a.moa_date AS to_moa_date,
    v.vanish_seq,
    p.appear_seq
FROM pairs AS p
JOIN vanished AS v ON v.key_no = p.from_key
JOIN appeared AS a ON a.key_no = p.to_key AND a.appear_seq = p.appear_seq
ORDER BY v.state_code, v.model, v.agency_key, a.state_code, a.agency_key;
