"""Conversations: inbound text from any channel, bot turns, escalation to agents, replies."""
