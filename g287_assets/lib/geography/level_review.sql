-- Agencies whose level by evidence is not ICE's TYPE, with the rule and whether the Census jurisdiction agrees.
WITH disagreements AS (
    SELECT
        a.state_code,
        a.agency_key,
        a.level_ice,
        a.level,
        arg_max(a.agency_name, (a.snapshot_date, a.agency_name)) AS agency_name,
        any_value(list_filter(a.corrections, lambda fix: starts_with(fix, 'level_patterns:'))[1]) AS rule,
        count(DISTINCT a.snapshot_key)::INTEGER AS lists,
        min(a.snapshot_date) AS first_seen_date,
        max(a.snapshot_date) AS last_seen_date
    FROM clean.agreements a
    JOIN raw.usable_participating_lists s USING (snapshot_key)
    WHERE a.level_source = 'name'
    GROUP BY a.state_code, a.agency_key, a.level_ice, a.level
)
SELECT
    d.state_code, d.agency_name, d.agency_key, d.level_ice, d.level, d.rule, p.reason, j.jurisdiction_level,
    CASE j.jurisdiction_level
        WHEN 'county' THEN d.level = 'county'
        WHEN 'place' THEN d.level = 'municipal'
        WHEN 'county_subdivision' THEN d.level = 'municipal'
        WHEN 'state' THEN d.level = 'state'
    END AS census_agrees,
    d.lists, d.first_seen_date, d.last_seen_date
FROM disagreements d
LEFT JOIN level_rules p ON p.rule = d.rule
LEFT JOIN geo.agency_jurisdictions j ON j.state_code = d.state_code AND j.agency_key = d.agency_key
ORDER BY d.state_code, d.agency_key, d.level_ice
