"""Parley gateway: HTTP API, webhooks, storage, worker jobs, audit and CLI."""
