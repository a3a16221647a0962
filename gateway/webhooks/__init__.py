"""Provider webhooks: each verifies its signature before it touches anything."""
