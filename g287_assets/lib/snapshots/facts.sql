-- Per-snapshot facts for the quality gates; the content hash lets equal lists be found whatever the bytes.
WITH names AS (
    SELECT snapshot_key,
           arg_min(file_name, imported_at) FILTER (WHERE outcome = 'snapshot') AS file_name,
           arg_min(name_kind, imported_at) FILTER (WHERE outcome = 'snapshot') AS name_kind,
           count(*) FILTER (WHERE outcome = 'alias') AS aliases,
           min(import_seq) AS import_seq
    FROM raw.file_imports WHERE snapshot_key IS NOT NULL GROUP BY snapshot_key
), agreements AS (
    SELECT snapshot_key, count(*) AS agreement_count, sum(duplicate_rows) AS duplicate_rows,
           md5(string_agg(concat_ws('|', state_code, agency_key, level, model, signed_date), chr(10)
               ORDER BY state_code, agency_key, level, model, signed_date)) AS content_hash
    FROM clean.agreements GROUP BY snapshot_key
)
SELECT c.snapshot_key, c.sha256, c.snapshot_date, c.snapshot_at, c.content_kind, n.name_kind, n.file_name,
       c.data_rows AS row_count, c.data_rows, coalesce(a.agreement_count, 0) AS agreement_count,
       coalesce(a.duplicate_rows, 0) AS duplicate_rows, c.newest_signed, a.content_hash, c.date_usable,
       c.date_flag, c.read_error, c.header_code, c.date_basis, coalesce(n.aliases, 0) AS aliases,
       CASE WHEN c.header_code = 'H1' THEN 'web_table' ELSE 'spreadsheet' END AS source_format, n.import_seq
FROM raw.snapshot_contents c
LEFT JOIN names n USING (snapshot_key)
LEFT JOIN agreements a USING (snapshot_key);
