"""Prometheus metrics, on a registry per app so several apps can live in one process."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram


@dataclass(frozen=True, slots=True)
class Metrics:
    http_requests: Counter
    http_latency: Histogram
    decisions: Counter


def create_metrics(registry: CollectorRegistry) -> Metrics:
    """Register Parley's gateway metrics on the given registry."""
    return Metrics(
        http_requests=Counter(
            "parley_http_requests_total",
            "HTTP requests",
            ["route", "method", "status"],
            registry=registry,
        ),
        http_latency=Histogram(
            "parley_http_request_seconds", "HTTP request latency", ["route"], registry=registry
        ),
        decisions=Counter(
            "parley_policy_decisions_total",
            "Policy decisions at intake",
            ["outcome"],
            registry=registry,
        ),
    )
