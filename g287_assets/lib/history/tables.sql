-- The public history tables, built from the working tables of history/presence.sql and the decided links
-- (h_links: from_key, to_key, method, change_kind, score, reason; h_review: pairs left for a person;
-- h_lineage: key_no -> the first key of its chain of corrections).
-- Each `INSERT INTO <table> BY NAME` rebuilds a catalogued table: run_script creates it anew from the catalog
-- (lib/warehouse/catalog.py) and the query must give exactly its columns and types.

-- For an agreement that ended while the same agency started another model nearby: that new agreement.
CREATE OR REPLACE TEMP TABLE h_model_successor AS
SELECT e.key_no, n.key_no AS successor_key
FROM h_keys AS e
JOIN h_keys AS n
    ON n.state_code = e.state_code
    AND n.agency_key = e.agency_key
    AND n.model <> e.model
    AND n.first_seq > e.first_seq
    AND n.first_seq BETWEEN e.last_seq + 1 - $gap_window AND e.last_seq + 1 + $gap_window
WHERE e.last_seq < (SELECT max(seq) FROM h_snapshots)
QUALIFY row_number() OVER (PARTITION BY e.key_no ORDER BY abs(n.first_seq - e.last_seq - 1), n.model) = 1;

-- The key each corrected key was corrected from. Two listings of one agreement merged into one give a key
-- two predecessors; the one seen first is kept, so history.agreements stays one row per key.
CREATE OR REPLACE TEMP TABLE h_predecessor AS
SELECT l.to_key AS key_no, arg_min(l.from_key, (f.first_seq, f.agreement_id)) AS predecessor_key
FROM h_links AS l
JOIN h_keys AS f ON f.key_no = l.from_key
GROUP BY l.to_key;

-- Per chain of corrections (lineage): the usable lists that had any of its rows, and whether ICE ever linked
-- a signed agreement (MOA) to one of them. A chain listed a few times without any MOA is a brief listing.
CREATE OR REPLACE TEMP TABLE h_lineage_evidence AS
WITH lineage_lists AS (
    SELECT lin.lineage_key, count(DISTINCT p.seq)::INTEGER AS lists_seen
    FROM h_presence AS p
    JOIN h_lineage AS lin USING (key_no)
    GROUP BY lin.lineage_key
)
SELECT
    lin.lineage_key,
    any_value(ll.lists_seen) AS lists_seen,
    bool_or(k.first_moa_url IS NOT NULL) AS moa_published
FROM h_lineage AS lin
JOIN h_keys AS k USING (key_no)
JOIN lineage_lists AS ll USING (lineage_key)
GROUP BY lin.lineage_key;

INSERT INTO history.agreements BY NAME
WITH
newest AS (SELECT max(seq) AS seq FROM h_snapshots),
gap_counts AS (SELECT key_no, (count(*) - 1)::INTEGER AS gap_count FROM h_runs GROUP BY key_no),
classified AS (
    SELECT
        k.*,
        CASE
            WHEN k.last_seq = newest.seq THEN 'active'
            WHEN l.to_key IS NOT NULL THEN 'corrected'
            ELSE 'ended'
        END AS status,
        l.to_key AS corrected_key,
        ms.successor_key AS model_successor_key
    FROM h_keys AS k
    CROSS JOIN newest
    LEFT JOIN h_links AS l ON l.from_key = k.key_no
    LEFT JOIN h_model_successor AS ms ON ms.key_no = k.key_no
)
SELECT
    c.agreement_id,
    root.agreement_id AS lineage_id,
    c.state_code,
    c.agency_name,
    c.agency_key,
    c.model,
    c.signed_date,
    c.level,
    c.county_name,
    c.moa_url,
    c.addendum_url,
    first_snap.snapshot_date AS first_seen_date,
    first_snap.snapshot_key AS first_snapshot_key,
    last_snap.snapshot_date AS last_seen_date,
    last_snap.snapshot_key AS last_snapshot_key,
    c.snapshots_seen,
    g.gap_count,
    c.status,
    CASE WHEN c.status = 'ended' THEN gone.snapshot_date END AS ended_date,
    CASE WHEN c.status = 'ended' THEN gone.snapshot_key END AS ended_snapshot_key,
    CASE WHEN c.status = 'corrected' THEN gone.snapshot_date END AS corrected_date,
    CASE
        WHEN c.status = 'corrected' THEN corrected.agreement_id
        WHEN c.status = 'ended' THEN model_successor.agreement_id
    END AS successor_id,
    CASE
        WHEN c.status = 'corrected' THEN 'corrected'
        WHEN c.status = 'ended' AND model_successor.agreement_id IS NOT NULL THEN 'model_change'
    END AS successor_reason,
    predecessor.agreement_id AS predecessor_id,
    c.moa_date,
    c.addendum_date,
    abs(c.signed_date - c.moa_date) > $moa_tolerance_days AS signed_contradicts_moa,
    (c.signed_date - c.moa_date)::INTEGER AS signed_minus_moa_days,
    evidence.moa_published,
    evidence.lists_seen
FROM classified AS c
JOIN h_lineage AS lin ON lin.key_no = c.key_no
JOIN h_lineage_evidence AS evidence ON evidence.lineage_key = lin.lineage_key
JOIN h_keys AS root ON root.key_no = lin.lineage_key
JOIN gap_counts AS g ON g.key_no = c.key_no
JOIN h_snapshots AS first_snap ON first_snap.seq = c.first_seq
JOIN h_snapshots AS last_snap ON last_snap.seq = c.last_seq
LEFT JOIN h_snapshots AS gone ON gone.seq = c.last_seq + 1
LEFT JOIN h_keys AS corrected ON corrected.key_no = c.corrected_key
LEFT JOIN h_keys AS model_successor ON model_successor.key_no = c.model_successor_key
LEFT JOIN h_predecessor AS pl ON pl.key_no = c.key_no
LEFT JOIN h_keys AS predecessor ON predecessor.key_no = pl.predecessor_key
ORDER BY c.state_code, c.agency_key, c.model, c.signed_date NULLS FIRST;

INSERT INTO history.cancellations BY NAME
SELECT
    agreement_id,
    state_code,
    agency_name,
    model,
    signed_date,
    last_seen_date,
    ended_date,
    agency_key,
    level,
    county_name,
    first_seen_date,
    last_snapshot_key,
    ended_snapshot_key,
    snapshots_seen,
    gap_count,
    successor_id,
    successor_reason,
    lineage_id,
    moa_published,
    lists_seen,
    NOT moa_published AND lists_seen <= $brief_listing_lists AS brief_listing,
    moa_date,
    signed_contradicts_moa
FROM history.agreements
WHERE status = 'ended'
ORDER BY ended_date, state_code, agency_name, model;

-- The public report's window: agreements removed from ICE's list after its tracking start, 2025-12-08.
CREATE OR REPLACE VIEW history.cancellations_since_tracking_start AS
SELECT * FROM history.cancellations WHERE ended_date > DATE '2025-12-08';

INSERT INTO history.gaps BY NAME
WITH ordered AS (
    SELECT
        key_no,
        run_no,
        run_last_seq,
        lead(run_first_seq) OVER (PARTITION BY key_no ORDER BY run_no) AS next_first_seq
    FROM h_runs
)
SELECT
    k.agreement_id,
    o.run_no::INTEGER AS gap_number,
    k.state_code,
    k.agency_name,
    k.model,
    k.signed_date,
    before.snapshot_date AS last_seen_before_date,
    before.snapshot_key AS last_seen_before_snapshot_key,
    missing.snapshot_date AS first_missing_date,
    missing.snapshot_key AS first_missing_snapshot_key,
    back.snapshot_date AS returned_date,
    back.snapshot_key AS returned_snapshot_key,
    (o.next_first_seq - o.run_last_seq - 1)::INTEGER AS snapshots_missed
FROM ordered AS o
JOIN h_keys AS k USING (key_no)
JOIN h_snapshots AS before ON before.seq = o.run_last_seq
JOIN h_snapshots AS missing ON missing.seq = o.run_last_seq + 1
JOIN h_snapshots AS back ON back.seq = o.next_first_seq
WHERE o.next_first_seq IS NOT NULL
ORDER BY k.state_code, k.agency_key, k.model, o.run_no;

INSERT INTO history.links BY NAME
SELECT
    f.agreement_id AS from_agreement_id,
    t.agreement_id AS to_agreement_id,
    f.state_code,
    t.state_code AS to_state_code,
    f.agency_name AS from_agency_name,
    t.first_agency_name AS to_agency_name,
    f.model AS from_model,
    t.model AS to_model,
    f.signed_date AS from_signed_date,
    t.signed_date AS to_signed_date,
    CASE
        WHEN f.state_code <> t.state_code THEN 'state_corrected'
        WHEN f.model <> t.model THEN 'model_changed'
        WHEN f.agency_key = t.agency_key THEN 're_dated'
        WHEN f.signed_date IS NOT DISTINCT FROM t.signed_date THEN 'renamed'
        ELSE 'renamed_and_re_dated'
    END AS change_kind,
    l.method::VARCHAR AS method,
    l.score::DOUBLE AS score,
    l.reason::VARCHAR AS reason,
    gone.snapshot_date AS from_gone_date,
    came.snapshot_date AS to_first_seen_date
FROM h_links AS l
JOIN h_keys AS f ON f.key_no = l.from_key
JOIN h_keys AS t ON t.key_no = l.to_key
LEFT JOIN h_snapshots AS gone ON gone.seq = f.last_seq + 1
JOIN h_snapshots AS came ON came.seq = t.first_seq
ORDER BY f.state_code, f.agency_key, f.model;

INSERT INTO history.link_review BY NAME
SELECT
    f.agreement_id AS from_agreement_id,
    t.agreement_id AS to_agreement_id,
    f.state_code,
    t.state_code AS to_state_code,
    f.agency_name AS from_agency_name,
    t.first_agency_name AS to_agency_name,
    f.model AS from_model,
    t.model AS to_model,
    f.signed_date AS from_signed_date,
    t.signed_date AS to_signed_date,
    r.change_kind::VARCHAR AS change_kind,
    r.score::DOUBLE AS score,
    r.review_reason::VARCHAR AS review_reason,
    gone.snapshot_date AS from_gone_date,
    came.snapshot_date AS to_first_seen_date
FROM h_review AS r
JOIN h_keys AS f ON f.key_no = r.from_key
JOIN h_keys AS t ON t.key_no = r.to_key
JOIN h_snapshots AS gone ON gone.seq = f.last_seq + 1
JOIN h_snapshots AS came ON came.seq = t.first_seq
ORDER BY f.state_code, f.agency_key, f.model, r.score DESC;

-- Per-snapshot descriptive columns, only for keys whose name, level or county changed at some point.
CREATE OR REPLACE TEMP TABLE h_attribute_history AS
SELECT
    hash(c.state_code, c.agency_key, c.model, c.signed_date) AS key_no,
    s.seq,
    min(c.agency_name) AS agency_name,
    min(c.level) AS level,
    min(c.county_name) AS county_name
FROM clean.agreements AS c
JOIN h_snapshots AS s USING (snapshot_key)
WHERE hash(c.state_code, c.agency_key, c.model, c.signed_date) IN (
    SELECT key_no FROM h_keys WHERE attribute_variants > 1
)
GROUP BY ALL;

INSERT INTO history.changes BY NAME
WITH
newest AS (SELECT max(seq) AS seq FROM h_snapshots),
appearances AS (
    SELECT r.key_no, r.run_first_seq AS seq, CASE WHEN r.run_no > 1 THEN 'reappeared' ELSE 'added' END AS event
    FROM h_runs AS r
    WHERE r.run_first_seq > 1
        AND NOT (r.run_no = 1 AND r.key_no IN (SELECT to_key FROM h_links))
),
disappearances AS (
    SELECT
        r.key_no,
        r.run_last_seq + 1 AS seq,
        CASE WHEN r.run_last_seq < k.last_seq THEN 'disappeared' ELSE 'ended' END AS event
    FROM h_runs AS r
    JOIN h_keys AS k USING (key_no)
    CROSS JOIN newest
    WHERE r.run_last_seq < newest.seq
        AND NOT (r.run_last_seq = k.last_seq AND r.key_no IN (SELECT from_key FROM h_links))
),
link_steps AS (
    SELECT
        l.to_key AS key_no,
        l.from_key AS related_key,
        greatest(f.last_seq + 1, t.first_seq) AS seq,
        unnest([
            {'field': 'state_code', 'old_value': f.state_code, 'new_value': t.state_code},
            {'field': 'agency_name', 'old_value': f.agency_name, 'new_value': t.first_agency_name},
            {'field': 'signed_date', 'old_value': f.signed_date::VARCHAR, 'new_value': t.signed_date::VARCHAR},
            {'field': 'model', 'old_value': f.model, 'new_value': t.model},
            {'field': 'level', 'old_value': f.level, 'new_value': t.first_level},
            {'field': 'county_name', 'old_value': f.county_name, 'new_value': t.first_county_name}
        ]) AS step
    FROM h_links AS l
    JOIN h_keys AS f ON f.key_no = l.from_key
    JOIN h_keys AS t ON t.key_no = l.to_key
),
attribute_lags AS (
    SELECT
        key_no,
        seq,
        agency_name,
        level,
        county_name,
        lag(agency_name) OVER w AS previous_agency_name,
        lag(level) OVER w AS previous_level,
        lag(county_name) OVER w AS previous_county_name,
        lag(seq) OVER w AS previous_seq
    FROM h_attribute_history
    WINDOW w AS (PARTITION BY key_no ORDER BY seq)
),
attribute_steps AS (
    SELECT
        key_no,
        seq,
        unnest([
            {'field': 'agency_name', 'old_value': previous_agency_name, 'new_value': agency_name},
            {'field': 'level', 'old_value': previous_level, 'new_value': level},
            {'field': 'county_name', 'old_value': previous_county_name, 'new_value': county_name}
        ]) AS step
    FROM attribute_lags
    WHERE previous_seq IS NOT NULL
),
events AS (
    SELECT key_no, seq, event, NULL::UBIGINT AS related_key,
        NULL::VARCHAR AS field, NULL::VARCHAR AS old_value, NULL::VARCHAR AS new_value
    FROM appearances
    UNION ALL
    SELECT key_no, seq, event, NULL, NULL, NULL, NULL
    FROM disappearances
    UNION ALL
    SELECT key_no, seq, CASE WHEN step.field = 'signed_date' THEN 're-dated' ELSE 'corrected' END,
        related_key, step.field, step.old_value, step.new_value
    FROM link_steps
    WHERE step.old_value IS DISTINCT FROM step.new_value
    UNION ALL
    SELECT key_no, seq, 'corrected', NULL, step.field, step.old_value, step.new_value
    FROM attribute_steps
    WHERE step.old_value IS DISTINCT FROM step.new_value
)
SELECT
    s.snapshot_date,
    s.snapshot_key,
    p.snapshot_date AS previous_snapshot_date,
    p.snapshot_key AS previous_snapshot_key,
    e.event,
    k.agreement_id,
    related.agreement_id AS related_agreement_id,
    k.state_code,
    k.agency_name,
    k.model,
    k.signed_date,
    k.level,
    e.field,
    e.old_value,
    e.new_value,
    l.method::VARCHAR AS link_method,
    l.score::DOUBLE AS link_score
FROM events AS e
JOIN h_snapshots AS s ON s.seq = e.seq
JOIN h_snapshots AS p ON p.seq = e.seq - 1
JOIN h_keys AS k ON k.key_no = e.key_no
LEFT JOIN h_keys AS related ON related.key_no = e.related_key
LEFT JOIN h_links AS l ON l.to_key = e.key_no AND l.from_key = e.related_key
ORDER BY s.seq, e.event, k.state_code, k.agency_key, k.model, e.field;

-- Per list and agency: how many distinct models it holds there (an agency listed twice for one model, under
-- two signing dates, still holds one model).
CREATE OR REPLACE TEMP TABLE h_agency_models AS
SELECT p.seq, k.state_code, k.agency_no, count(DISTINCT k.model)::INTEGER AS models
FROM h_presence AS p
JOIN h_keys AS k USING (key_no)
GROUP BY ALL;

INSERT INTO history.timeline BY NAME
WITH all_three AS (
    SELECT seq, count(*)::INTEGER AS agencies_all_three_models
    FROM h_agency_models
    WHERE models = 3
    GROUP BY seq
)
SELECT
    s.snapshot_date,
    s.snapshot_key,
    s.snapshot_at,
    count(p.key_no)::INTEGER AS agreements,
    count(DISTINCT k.agency_no)::INTEGER AS agencies,
    count(*) FILTER (WHERE k.model = 'JEM')::INTEGER AS jem,
    count(*) FILTER (WHERE k.model = 'WSO')::INTEGER AS wso,
    count(*) FILTER (WHERE k.model = 'TFM')::INTEGER AS tfm,
    count(*) FILTER (WHERE p.level = 'county')::INTEGER AS level_county,
    count(*) FILTER (WHERE p.level = 'municipal')::INTEGER AS level_municipal,
    count(*) FILTER (WHERE p.level = 'state')::INTEGER AS level_state,
    count(*) FILTER (WHERE p.level = 'other')::INTEGER AS level_other,
    coalesce(any_value(t.agencies_all_three_models), 0)::INTEGER AS agencies_all_three_models,
    s.row_count::INTEGER AS ice_rows
FROM h_snapshots AS s
LEFT JOIN h_presence AS p USING (seq)
LEFT JOIN h_keys AS k USING (key_no)
LEFT JOIN all_three AS t USING (seq)
GROUP BY s.seq, s.snapshot_date, s.snapshot_key, s.snapshot_at, s.row_count
ORDER BY s.seq;

INSERT INTO history.timeline_by_state BY NAME
WITH all_three AS (
    SELECT seq, state_code, count(*)::INTEGER AS agencies_all_three_models
    FROM h_agency_models
    WHERE models = 3
    GROUP BY seq, state_code
)
SELECT
    s.snapshot_date,
    s.snapshot_key,
    k.state_code,
    count(*)::INTEGER AS agreements,
    count(DISTINCT k.agency_no)::INTEGER AS agencies,
    count(*) FILTER (WHERE k.model = 'JEM')::INTEGER AS jem,
    count(*) FILTER (WHERE k.model = 'WSO')::INTEGER AS wso,
    count(*) FILTER (WHERE k.model = 'TFM')::INTEGER AS tfm,
    count(*) FILTER (WHERE p.level = 'county')::INTEGER AS level_county,
    count(*) FILTER (WHERE p.level = 'municipal')::INTEGER AS level_municipal,
    count(*) FILTER (WHERE p.level = 'state')::INTEGER AS level_state,
    count(*) FILTER (WHERE p.level = 'other')::INTEGER AS level_other,
    coalesce(any_value(t.agencies_all_three_models), 0)::INTEGER AS agencies_all_three_models
FROM h_presence AS p
JOIN h_snapshots AS s USING (seq)
JOIN h_keys AS k USING (key_no)
LEFT JOIN all_three AS t ON t.seq = p.seq AND t.state_code = k.state_code
GROUP BY s.seq, s.snapshot_date, s.snapshot_key, k.state_code
ORDER BY s.seq, k.state_code;
