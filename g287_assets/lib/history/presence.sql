-- Which agreement keys each usable participating snapshot lists, reduced to small working tables.
-- An agreement key is (state_code, agency_key, model, signed_date); inside one build it is carried as a
-- 64-bit hash (key_no) so the 20-million-row passes group on integers, never on four text columns.
-- Only usable participating lists count: quarantined or pending files are simply not in h_snapshots.

CREATE OR REPLACE TEMP TABLE h_snapshots AS
SELECT
    snapshot_key,
    snapshot_date,
    snapshot_at,
    row_count,
    row_number() OVER (ORDER BY snapshot_at, snapshot_key)::INTEGER AS seq
FROM raw.usable_participating_lists;

-- One row per key per snapshot; duplicates within one file (curly and straight apostrophe) collapse here.
CREATE OR REPLACE TEMP TABLE h_presence AS
SELECT
    hash(c.state_code, c.agency_key, c.model, c.signed_date) AS key_no,
    s.seq,
    min(c.level) AS level
FROM clean.agreements AS c
JOIN h_snapshots AS s USING (snapshot_key)
GROUP BY ALL;

-- Every distinct spelling of a key's descriptive columns, with the span of snapshots it was seen in.
CREATE OR REPLACE TEMP TABLE h_variants AS
SELECT
    hash(c.state_code, c.agency_key, c.model, c.signed_date) AS key_no,
    c.state_code,
    c.agency_key,
    c.model,
    c.signed_date,
    c.agency_name,
    c.level,
    c.county_name,
    c.moa_url,
    c.addendum_url,
    c.moa_date,
    c.addendum_date,
    min(s.seq) AS first_seq,
    max(s.seq) AS last_seq
FROM clean.agreements AS c
JOIN h_snapshots AS s USING (snapshot_key)
GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE h_key_span AS
SELECT key_no, min(seq) AS first_seq, max(seq) AS last_seq, count(*)::INTEGER AS snapshots_seen
FROM h_presence
GROUP BY key_no;

-- One row per key: its composite key, its descriptive columns as first and as last seen, and its span.
CREATE OR REPLACE TEMP TABLE h_keys AS
WITH
first_variant AS (
    SELECT *
    FROM h_variants
    QUALIFY row_number() OVER (
        PARTITION BY key_no ORDER BY first_seq, agency_name, level, county_name NULLS LAST
    ) = 1
),
last_variant AS (
    SELECT *
    FROM h_variants
    QUALIFY row_number() OVER (
        PARTITION BY key_no ORDER BY last_seq DESC, agency_name, level, county_name NULLS LAST
    ) = 1
),
variant_counts AS (
    SELECT
        key_no,
        count(DISTINCT (agency_name, level, county_name))::INTEGER AS attribute_variants,
        -- The signed agreement a key links to when it first and last had one: the evidence that two
        -- differently named keys are one agreement.
        arg_min(moa_url, (first_seq, moa_url)) FILTER (WHERE moa_url IS NOT NULL) AS first_moa_url,
        arg_max(moa_url, (last_seq, moa_url)) FILTER (WHERE moa_url IS NOT NULL) AS last_moa_url,
        -- The date the newest MOA and addendum links carry in their file names (NULL when none does).
        arg_max(moa_date, (last_seq, moa_date)) FILTER (WHERE moa_date IS NOT NULL) AS moa_date,
        arg_max(addendum_date, (last_seq, addendum_date)) FILTER (WHERE addendum_date IS NOT NULL)
            AS addendum_date
    FROM h_variants
    GROUP BY key_no
)
SELECT
    l.key_no,
    l.state_code,
    l.agency_key,
    l.model,
    l.signed_date,
    l.agency_name,
    l.level,
    l.county_name,
    l.moa_url,
    l.addendum_url,
    f.agency_name AS first_agency_name,
    f.level AS first_level,
    f.county_name AS first_county_name,
    v.first_moa_url,
    v.last_moa_url,
    v.moa_date,
    v.addendum_date,
    span.first_seq,
    span.last_seq,
    span.snapshots_seen,
    v.attribute_variants,
    dense_rank() OVER (ORDER BY l.state_code, l.agency_key) AS agency_no,
    left(
        md5(concat_ws('|', l.state_code, l.agency_key, l.model, coalesce(strftime(l.signed_date, '%Y-%m-%d'), ''))),
        16
    ) AS agreement_id
FROM last_variant AS l
JOIN first_variant AS f USING (key_no)
JOIN variant_counts AS v USING (key_no)
JOIN h_key_span AS span USING (key_no);

-- Consecutive presence runs. Keys seen in every snapshot of their span (nearly all) are one run and skip
-- the window; only keys with a hole are numbered row by row.
CREATE OR REPLACE TEMP TABLE h_runs AS
WITH
holed AS (
    SELECT key_no FROM h_key_span WHERE snapshots_seen < last_seq - first_seq + 1
),
islands AS (
    SELECT p.key_no, p.seq, p.seq - row_number() OVER (PARTITION BY p.key_no ORDER BY p.seq) AS island
    FROM h_presence AS p
    SEMI JOIN holed USING (key_no)
),
holed_runs AS (
    SELECT key_no, min(seq) AS run_first_seq, max(seq) AS run_last_seq
    FROM islands
    GROUP BY key_no, island
)
SELECT
    key_no,
    run_first_seq,
    run_last_seq,
    row_number() OVER (PARTITION BY key_no ORDER BY run_first_seq)::INTEGER AS run_no
FROM holed_runs
UNION ALL
SELECT key_no, first_seq, last_seq, 1
FROM h_key_span
WHERE snapshots_seen = last_seq - first_seq + 1;
