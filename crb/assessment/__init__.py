"""The assessment engine: quiz answers → readiness, findings, ROI, verdict and roadmap, as pure code over data."""
