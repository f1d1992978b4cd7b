-- The report data a ready report was printed from (crb.report.ReportData as JSON, with its schema_version), so
-- that a PDF purged by retention is printed again from exactly what the customer got, without assessing the
-- answers again (a newer knowledge base would change it). Erasure empties it with the answers.

alter table reports
    add column data jsonb;
