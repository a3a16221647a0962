"""The channels Parley speaks on, named once for the whole project."""

from __future__ import annotations

from typing import Literal, get_args

Channel = Literal["sms", "email", "voice", "chat"]
# Channels with a contact point on file (a phone number or an email address). Chat has none:
# the consumer opens the session, and the session is the address.
AddressedChannel = Literal["sms", "email", "voice"]

CHANNELS: tuple[Channel, ...] = get_args(Channel)
ADDRESSED_CHANNELS: tuple[AddressedChannel, ...] = get_args(AddressedChannel)
PHONE_CHANNELS = frozenset({"sms", "voice"})
