"""Outreach: intake of core systems' requests, the decisions and the facts they read, rulesets,
templates, and sending an outreach through the send core."""
