"""HTTP API v1 for core systems."""
