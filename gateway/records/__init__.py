"""Records: accounts, consent ledger, contact history, audit chain, account updates and their
delivery to the core system."""
