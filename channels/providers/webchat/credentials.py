"""What a WebChat channel (our embeddable widget) needs."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class WebChatCredentials:
    """One widget installation.

    `channel_key` is public (it is in the embed snippet); `signing_key` never leaves the server
    and signs the visitor tokens; `allowed_origins` lists the exact page origins
    (`scheme://host[:port]`) allowed to talk to the channel.
    """

    channel_key: str
    signing_key: str = field(repr=False)
    allowed_origins: tuple[str, ...] = ()
