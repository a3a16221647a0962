"""Judging the answers: each checker counts an answer's outcome and says whether it is right."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable

# (HTTP status, body, outcome counter) -> the answer is what this target should answer
Checker = Callable[[int, bytes, Counter[str]], bool]


def baseline_accepted(status: int, _body: bytes, outcomes: Counter[str]) -> bool:
    """The bare handler's answer to an intake request: 202."""
    outcomes[str(status)] += 1
    return status == 202


def baseline_evaluated(status: int, _body: bytes, outcomes: Counter[str]) -> bool:
    """The bare handler's answer to a dry run: 200."""
    outcomes[str(status)] += 1
    return status == 200


def gateway_evaluated(status: int, body: bytes, outcomes: Counter[str]) -> bool:
    """A policy dry run: 200 with a decision; counts allow/defer/block."""
    if status != 200:
        outcomes[f"http {status}"] += 1
        return False
    outcomes[json.loads(body)["outcome"]] += 1
    return True


def gateway_imported(status: int, body: bytes, outcomes: Counter[str]) -> bool:
    """A contact-history import: 201 and every event received was imported."""
    if status != 201:
        outcomes[f"http {status}"] += 1
        return False
    document = json.loads(body)
    outcomes["received"] += document["received"]
    outcomes["imported"] += document["imported"]
    return bool(document["imported"] == document["received"])


def gateway_accepted(status: int, body: bytes, outcomes: Counter[str]) -> bool:
    """A single outreach: 202; counts queued/deferred/blocked."""
    if status != 202:
        outcomes[f"http {status}"] += 1
        return False
    outcomes[json.loads(body)["status"]] += 1
    return True


def gateway_batch_accepted(status: int, body: bytes, outcomes: Counter[str]) -> bool:
    """A batch: 200 and no item rejected; counts every item's status."""
    if status != 200:
        outcomes[f"http {status}"] += 1
        return False
    results = json.loads(body)["results"]
    outcomes.update(r["status"] for r in results)
    return all(r["status"] != "rejected" for r in results)


# What each phase's answers must be, per target.
CHECKERS: dict[tuple[str, str], Checker] = {
    ("single", "baseline"): baseline_accepted,
    ("batch", "baseline"): baseline_accepted,
    ("evaluate", "baseline"): baseline_evaluated,
    ("single", "gateway"): gateway_accepted,
    ("batch", "gateway"): gateway_batch_accepted,
    ("evaluate", "gateway"): gateway_evaluated,
}
