"""The `parley` command, the development launcher, the embedded Redis and `parley chat`."""
