"""The debtor portal and web chat: signed links, sessions, the account, actions, chat."""
