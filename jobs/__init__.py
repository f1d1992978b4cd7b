"""The arq worker: report generation, emails and scheduled jobs."""
