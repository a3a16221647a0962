"""Pure contact-policy rules: facts and `now` in, a Decision out. No I/O, no clock reads."""

from policies.channels import CHANNELS
from policies.decision import Decision, Outcome, Reason, RuleCheck
from policies.engine import evaluate
from policies.facts import (
    CONTACT_OUTCOMES,
    DIRECTIONS,
    MESSAGE_KINDS,
    PROVENANCES,
    PURPOSES,
    ConsentState,
    ContactFacts,
    ContactRecord,
    MessageFacts,
)
from policies.facts_json import facts_from_dict, facts_to_dict
from policies.history import history_read
from policies.keywords import Keyword, classify_keyword, says_wrong_party
from policies.ruleset import Ruleset, RulesetError, parse_ruleset
from policies.timezones import (
    candidate_zones,
    validate_phone,
    validate_postal_code,
    validate_zone,
)

__all__ = [
    "CHANNELS",
    "CONTACT_OUTCOMES",
    "DIRECTIONS",
    "MESSAGE_KINDS",
    "PROVENANCES",
    "PURPOSES",
    "ConsentState",
    "ContactFacts",
    "ContactRecord",
    "Decision",
    "Keyword",
    "MessageFacts",
    "Outcome",
    "Reason",
    "RuleCheck",
    "Ruleset",
    "RulesetError",
    "candidate_zones",
    "classify_keyword",
    "evaluate",
    "facts_from_dict",
    "facts_to_dict",
    "history_read",
    "parse_ruleset",
    "says_wrong_party",
    "validate_phone",
    "validate_postal_code",
    "validate_zone",
]
