"""The renderer service: report data or HTML in, PDF out, through headless Chromium."""
