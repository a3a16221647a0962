"""The agent console: agents and their sessions, the queue, claims, replies, notes, live events."""
