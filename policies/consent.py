"""Consent of the contact point: electronic opt-out (Reg F) and TCPA consent for calls and texts.

The consent state itself is derived by the gateway from the append-only consent ledger, per
channel and address; inbound texts are classified with `policies.keywords.classify_keyword`.
"""

from __future__ import annotations

from datetime import datetime

from policies.channels import PHONE_CHANNELS
from policies.decision import Reason
from policies.facts import ConsentState, ContactFacts
from policies.ruleset import Ruleset

# Which channels need express consent is a ruleset setting; a revocation blocks any channel.
# Email and chat are electronic communications whose opt-out Regulation F governs; the TCPA
# adds its own for calls and texts to a phone.
_OPT_OUT_CITATIONS = {
    "sms": "47 U.S.C. 227 (TCPA); 12 CFR 1006.6(e)",
    "voice": "47 U.S.C. 227 (TCPA); 12 CFR 1006.6(e)",
    "email": "12 CFR 1006.6(e)",
    "chat": "12 CFR 1006.6(e)",
}


def check_consent(facts: ContactFacts, now: datetime, ruleset: Ruleset) -> list[Reason]:
    """Return a blocking reason when the contact point is unusable, opted out or lacks consent.

    An invalid contact point blocks whatever the ruleset says: there is nowhere to send to.
    Consent does not depend on time; `now` is taken so the engine can treat rules alike.
    """
    if not facts.contact_valid:
        return [
            Reason(
                rule="invalid_contact",
                message=f"There is no valid {facts.channel} contact point on file for this account",
                citation="12 CFR 1006.6(d)(3)-(4); 47 U.S.C. 227",
            )
        ]
    settings = ruleset.consent
    if not settings.enabled:
        return []
    if facts.consent is ConsentState.REVOKED:
        return [
            Reason(
                rule="opted_out",
                message=f"The consumer revoked consent for {facts.channel} at this address",
                citation=_OPT_OUT_CITATIONS[facts.channel],
            )
        ]
    if facts.consent is ConsentState.MISSING and facts.channel in settings.express_consent_channels:
        return [
            Reason(
                rule="consent_missing",
                message=(
                    f"No prior express consent is on record for {facts.channel} to this "
                    + ("number" if facts.channel in PHONE_CHANNELS else "address")
                ),
                citation="47 U.S.C. 227(b)(1) (TCPA)",
            )
        ]
    return []
