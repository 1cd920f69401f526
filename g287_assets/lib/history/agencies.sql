-- Agencies and pending requests, built after history/tables.sql from its working tables (h_keys, h_links) and
-- history.agreements.
-- Each `INSERT INTO <table> BY NAME` rebuilds a catalogued table: run_script creates it anew from the catalog
-- (lib/warehouse/catalog.py) and the query must give exactly its columns and types.

-- Each agency key's span of usable lists.
CREATE OR REPLACE TEMP TABLE h_agency_span AS
SELECT
    agency_no,
    any_value(state_code) AS state_code,
    any_value(agency_key) AS agency_key,
    min(first_seq) AS first_seq,
    max(last_seq) AS last_seq
FROM h_keys
GROUP BY agency_no;

-- Two agency keys are one agency when correction links lead from the old one to the new one and the old name
-- was never listed again after its last linked row left: a rename. A link between two agencies that both go
-- on being listed (a task-force listing moved from a county board to its sheriff, while the board keeps its
-- jail agreement) moves one agreement, not the agency. When an old name's rows went to two agencies ("Pasco
-- County BOCC": its jail agreement to the board's full name, its task force to the sheriff), the rename is
-- the link the matcher made on the names' likeness (its score), before a reviewed signatory change.
CREATE OR REPLACE TEMP TABLE h_agency_renames AS
WITH agency_links AS (
    SELECT
        f.agency_no AS from_agency,
        t.agency_no AS to_agency,
        l.score,
        t.agency_key AS to_agency_key,
        max(f.last_seq) OVER (PARTITION BY f.agency_no) AS last_linked_seq
    FROM h_links AS l
    JOIN h_keys AS f ON f.key_no = l.from_key
    JOIN h_keys AS t ON t.key_no = l.to_key
    WHERE f.agency_no <> t.agency_no
)
SELECT l.from_agency, l.to_agency
FROM agency_links AS l
JOIN h_agency_span AS old_name ON old_name.agency_no = l.from_agency
WHERE old_name.last_seq = l.last_linked_seq
QUALIFY row_number() OVER (PARTITION BY l.from_agency ORDER BY l.score DESC NULLS LAST, l.to_agency_key) = 1;

-- Every agency key with the group of keys it was renamed from or into (the connected keys of the renames).
CREATE OR REPLACE TEMP TABLE h_agency_group AS
WITH RECURSIVE
edges AS (
    SELECT from_agency AS agency_no, to_agency AS other FROM h_agency_renames
    UNION
    SELECT to_agency, from_agency FROM h_agency_renames
),
reach(start_no, agency_no) AS (
    SELECT agency_no, agency_no FROM h_agency_span
    UNION
    SELECT r.start_no, e.other FROM reach AS r JOIN edges AS e ON e.agency_no = r.agency_no
)
SELECT r.agency_no, min(r.start_no) AS group_no
FROM reach AS r
GROUP BY r.agency_no;

-- The agency id hashes the state and key of the agency's first listed name, so it does not change when later
-- lists are added or when the agency is renamed again.
CREATE OR REPLACE TEMP TABLE h_agency_identity AS
SELECT
    g.group_no,
    left(
        md5(concat_ws('|', 'agency', arg_min(s.state_code, (s.first_seq, s.agency_key)),
            arg_min(s.agency_key, (s.first_seq, s.agency_key)))),
        16
    ) AS agency_id
FROM h_agency_group AS g
JOIN h_agency_span AS s USING (agency_no)
GROUP BY g.group_no;

CREATE OR REPLACE TEMP TABLE h_agency_agreements AS
SELECT g.group_no, a.*
FROM history.agreements AS a
JOIN h_keys AS k USING (agreement_id)
JOIN h_agency_group AS g ON g.agency_no = k.agency_no;

INSERT INTO history.agencies BY NAME
WITH
latest AS (
    SELECT
        group_no,
        arg_max(state_code, (last_seen_date, first_seen_date, agency_key)) AS state_code,
        arg_max(agency_name, (last_seen_date, first_seen_date, agency_key)) AS agency_name,
        arg_max(agency_key, (last_seen_date, first_seen_date, agency_key)) AS agency_key,
        arg_max(level, (last_seen_date, first_seen_date, agency_key)) AS level,
        min(first_seen_date) AS first_seen_date,
        max(last_seen_date) AS last_seen_date
    FROM h_agency_agreements
    GROUP BY group_no
),
per_model AS (
    SELECT group_no, model, bool_or(status = 'active') AS held_now, bool_or(status = 'ended') AS held_before
    FROM h_agency_agreements
    GROUP BY group_no, model
),
models AS (
    SELECT
        group_no,
        coalesce(list(model ORDER BY model) FILTER (WHERE held_now), []) AS models_now,
        coalesce(list(model ORDER BY model) FILTER (WHERE held_before AND NOT held_now), []) AS models_before
    FROM per_model
    GROUP BY group_no
),
counts AS (
    SELECT
        group_no,
        count(*) FILTER (WHERE status = 'active')::INTEGER AS active_agreements,
        count(*) FILTER (WHERE status = 'ended')::INTEGER AS ended_agreements,
        -- A corrected row's date was ICE's mistake; the first signing is read on the rows that replaced it.
        min(signed_date) FILTER (WHERE status <> 'corrected') AS first_signed_date
    FROM h_agency_agreements
    GROUP BY group_no
),
other_names AS (
    SELECT a.group_no, list(DISTINCT a.agency_name ORDER BY a.agency_name) AS former_names
    FROM h_agency_agreements AS a
    JOIN latest AS l USING (group_no)
    WHERE a.agency_key <> l.agency_key OR a.state_code <> l.state_code
    GROUP BY a.group_no
)
SELECT
    i.agency_id,
    l.state_code,
    l.agency_name,
    l.agency_key,
    l.level,
    CASE WHEN c.active_agreements > 0 THEN 'active' ELSE 'former' END AS status,
    m.models_now::VARCHAR[] AS models_now,
    m.models_before::VARCHAR[] AS models_before,
    c.active_agreements,
    c.ended_agreements,
    c.first_signed_date,
    l.first_seen_date,
    l.last_seen_date,
    coalesce(o.former_names, [])::VARCHAR[] AS former_names
FROM latest AS l
JOIN h_agency_identity AS i USING (group_no)
JOIN models AS m USING (group_no)
JOIN counts AS c USING (group_no)
LEFT JOIN other_names AS o USING (group_no)
ORDER BY l.state_code, l.agency_key;

-- Every name key cleaning folded into another agency key (h_alias_keys: by an abbreviation rule or a reviewed
-- alias), with the names ICE wrote under it, when, and the agency it belongs to.
INSERT INTO history.agency_aliases BY NAME
WITH written AS (
    SELECT
        c.state_code,
        c.name_key,
        list(DISTINCT c.agency_name ORDER BY c.agency_name) AS alias_names,
        min(c.snapshot_date) AS first_seen_date,
        max(c.snapshot_date) AS last_seen_date,
        count(DISTINCT c.snapshot_key)::INTEGER AS lists
    FROM clean.agreements AS c
    JOIN raw.snapshots AS s USING (snapshot_key)
    WHERE s.status = 'usable' AND c.name_key <> c.agency_key
    GROUP BY c.state_code, c.name_key
)
SELECT
    a.state_code,
    a.alias_key,
    a.agency_key,
    i.agency_id,
    w.alias_names::VARCHAR[] AS alias_names,
    a.method::VARCHAR AS method,
    a.rules::VARCHAR[] AS rules,
    a.reason::VARCHAR AS reason,
    w.first_seen_date,
    w.last_seen_date,
    w.lists
FROM h_alias_keys AS a
JOIN written AS w ON w.state_code = a.state_code AND w.name_key = a.alias_key
LEFT JOIN h_agency_span AS span ON span.state_code = a.state_code AND span.agency_key = a.agency_key
LEFT JOIN h_agency_group AS g ON g.agency_no = span.agency_no
LEFT JOIN h_agency_identity AS i ON i.group_no = g.group_no
ORDER BY a.state_code, a.alias_key;

-- Pending requests: each (state, agency key, model) of the usable pending lists, and the agreement it became.
-- The agreement is the agency's (across renames) first one of that model listed as participating on or after
-- the request's first pending listing; its first listing is read over its whole chain of corrections.
INSERT INTO history.pending_agencies BY NAME
WITH
pending_lists AS (
    SELECT snapshot_key, snapshot_date, snapshot_at
    FROM raw.snapshots
    WHERE list_kind = 'pending' AND status = 'usable'
),
newest_pending AS (SELECT max(snapshot_at) AS snapshot_at FROM pending_lists),
requests AS (
    SELECT
        c.state_code,
        c.agency_key,
        c.model,
        arg_max(c.agency_name, (p.snapshot_at, c.agency_name)) AS agency_name,
        arg_max(c.level, (p.snapshot_at, c.level)) AS level,
        min(p.snapshot_date) AS first_pending_date,
        max(p.snapshot_date) AS last_pending_date,
        count(DISTINCT p.snapshot_key)::INTEGER AS pending_lists,
        max(p.snapshot_at) AS last_pending_at
    FROM clean.agreements AS c
    JOIN pending_lists AS p USING (snapshot_key)
    GROUP BY c.state_code, c.agency_key, c.model
),
request_agency AS (
    SELECT r.*, g.group_no, i.agency_id
    FROM requests AS r
    LEFT JOIN h_agency_span AS s ON s.state_code = r.state_code AND s.agency_key = r.agency_key
    LEFT JOIN h_agency_group AS g ON g.agency_no = s.agency_no
    LEFT JOIN h_agency_identity AS i ON i.group_no = g.group_no
),
signed AS (
    SELECT *
    FROM (
        SELECT
            group_no,
            agreement_id,
            model,
            signed_date,
            status,
            min(first_seen_date) OVER (PARTITION BY lineage_id) AS listed_date
        FROM h_agency_agreements
    )
    WHERE status <> 'corrected'
),
matched AS (
    SELECT
        r.state_code,
        r.agency_key,
        r.model,
        arg_min(s.agreement_id, (s.listed_date, s.agreement_id))
            FILTER (WHERE s.listed_date >= r.first_pending_date) AS agreement_id,
        bool_or(s.listed_date < r.first_pending_date) AS listed_before_pending
    FROM request_agency AS r
    JOIN signed AS s ON s.group_no = r.group_no AND (r.model IS NULL OR s.model = r.model)
    GROUP BY r.state_code, r.agency_key, r.model
)
SELECT
    r.state_code,
    r.agency_name,
    r.agency_key,
    r.model,
    r.level,
    r.agency_id,
    r.first_pending_date,
    r.last_pending_date,
    r.pending_lists,
    CASE
        WHEN m.agreement_id IS NOT NULL THEN 'signed'
        WHEN m.listed_before_pending THEN 'already_participating'
        WHEN r.last_pending_at = n.snapshot_at THEN 'pending_at_last_list'
        ELSE 'removed_unsigned'
    END AS outcome,
    m.agreement_id,
    s.signed_date,
    s.listed_date AS first_listed_signed_date,
    (s.listed_date - r.first_pending_date)::INTEGER AS days_pending_to_listed,
    (s.signed_date - r.first_pending_date)::INTEGER AS days_pending_to_signed,
    coalesce(m.listed_before_pending, false) AS listed_before_pending
FROM request_agency AS r
CROSS JOIN newest_pending AS n
LEFT JOIN matched AS m
    ON m.state_code = r.state_code AND m.agency_key = r.agency_key AND m.model IS NOT DISTINCT FROM r.model
LEFT JOIN signed AS s ON s.agreement_id = m.agreement_id
ORDER BY r.state_code, r.agency_key, r.model NULLS FIRST;
