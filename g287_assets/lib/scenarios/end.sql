-- `end`: the run's agreements matching every given filter end (a NULL filter matches all).
DELETE FROM coverage_agreements
WHERE run = $run
  AND ($states::VARCHAR[] IS NULL OR list_contains($states::VARCHAR[], state_code))
  AND ($levels::VARCHAR[] IS NULL OR list_contains($levels::VARCHAR[], level))
  AND ($models::VARCHAR[] IS NULL OR list_contains($models::VARCHAR[], model))
  AND ($signed_from::DATE IS NULL OR signed_date >= $signed_from::DATE)
  AND ($signed_to::DATE IS NULL OR signed_date <= $signed_to::DATE)
  AND ($agencies::VARCHAR[] IS NULL OR list_contains($agencies::VARCHAR[], state_code || '|' || agency_key));
