-- `sign`: each selected agency gains the model (or, for pending agencies, the models they asked for) unless it
-- already holds it. Holding filters read the run as it stands before this operation.
INSERT INTO coverage_agreements
WITH selected AS (
    SELECT c.*
    FROM scenario_candidates c
    WHERE ($states::VARCHAR[] IS NULL OR list_contains($states::VARCHAR[], c.state_code))
      AND ($levels::VARCHAR[] IS NULL OR list_contains($levels::VARCHAR[], c.sign_level))
      AND ($min_population::BIGINT IS NULL OR c.population >= $min_population::BIGINT)
      AND ($max_population::BIGINT IS NULL OR c.population <= $max_population::BIGINT)
      AND (NOT $pending::BOOLEAN OR c.requested_models IS NOT NULL)
      AND ($agencies::VARCHAR[] IS NULL OR list_contains($agencies::VARCHAR[], c.state_code || '|' || c.agency_key))
      AND ($holding::VARCHAR[] IS NULL OR EXISTS (
              SELECT 1 FROM coverage_agreements w
              WHERE w.run = $run AND w.state_code = c.state_code AND w.agency_key = c.agency_key
                AND list_contains($holding::VARCHAR[], w.model)))
      AND ($not_holding::VARCHAR[] IS NULL OR NOT EXISTS (
              SELECT 1 FROM coverage_agreements w
              WHERE w.run = $run AND w.state_code = c.state_code AND w.agency_key = c.agency_key
                AND list_contains($not_holding::VARCHAR[], w.model)))
), signing AS (
    SELECT s.*, unnest(CASE WHEN $requested::BOOLEAN THEN s.requested_models
                            ELSE [$model::VARCHAR] END) AS model
    FROM selected s
)
SELECT $run, s.state_code, s.state_fips, s.agency_name, s.agency_key, s.level, s.model, NULL, NULL,
       s.jurisdiction_level, s.jurisdiction_name, s.county_fips, s.place_geoid, s.population, s.match_method,
       s.not_found_reason, s.origin, $operation
FROM signing s
WHERE NOT EXISTS (
    SELECT 1 FROM coverage_agreements w
    WHERE w.run = $run AND w.state_code = s.state_code AND w.agency_key = s.agency_key AND w.model = s.model
);
