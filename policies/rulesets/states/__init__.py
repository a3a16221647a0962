"""State overlays: data files read by the gateway (gateway.outreach.rulesets)."""
