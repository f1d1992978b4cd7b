"""CRB Analyser's shared core: quiz, scoring, analysis, report model, settings and adapters."""
