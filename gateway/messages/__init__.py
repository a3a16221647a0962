"""Messages: the one send core every channel uses, delivery status, the provider registry."""
