-- A scenario starts from its baseline's agreements.
DELETE FROM coverage_agreements WHERE run = $run;

INSERT INTO coverage_agreements
SELECT * REPLACE ($run AS run) FROM coverage_agreements WHERE run = $baseline_run;

INSERT INTO coverage_runs SELECT $run WHERE NOT EXISTS (SELECT 1 FROM coverage_runs WHERE run = $run);
