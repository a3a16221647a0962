"""Channel adapters: one per provider. Parse inbound, send outbound, verify signatures."""
