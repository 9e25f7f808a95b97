"""Typed errors raised by the provider adapters.

The pipeline decides what to do from the class alone: `InvalidSignature` means answer 401/403 and
store nothing, `MalformedPayload` means answer 400, a `ProviderError` with `retryable=True` goes
back to the outbox with backoff (honouring `retry_after` when the provider gave one), anything else
marks the outbound message as failed with the provider's code and title.

`user_message` is what an agent may be shown; the provider's own `title`/`detail` stay in English
as the provider sent them, for logs and support tickets.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class ChannelProviderError(Exception):
    """Root of every error raised by `channels.providers`."""

    user_message = _("Falha na comunicação com o provedor do canal.")


class UnknownProvider(ChannelProviderError, LookupError):
    """No adapter is registered under the requested name."""


class InvalidSignature(ChannelProviderError):
    """The request did not prove it came from the provider (or from our widget)."""

    user_message = _("Assinatura da requisição inválida.")


class TokenExpired(InvalidSignature):
    """A WebChat visitor token was genuine but is past its expiry."""

    user_message = _("A sessão do visitante expirou.")


class OriginNotAllowed(InvalidSignature):
    """A WebChat request came from a page origin outside the channel's allow-list."""

    user_message = _("Origem não autorizada para este canal de WebChat.")


class MalformedPayload(ChannelProviderError):
    """The body is not JSON, or its shape is not the provider's."""

    user_message = _("Conteúdo da requisição em formato inválido.")


class ProviderError(ChannelProviderError):
    """The provider refused or failed a call we made.

    `code` is the provider's own error code as text ("131047", "429") or a local code for
    failures that never reached the provider ("connection_error", "invalid_response").
    """

    default_retryable = False
    user_message = _("O provedor do canal recusou a operação.")

    def __init__(
        self,
        *,
        provider: str,
        code: str,
        title: str,
        detail: str = "",
        retryable: bool | None = None,
        retry_after: float | None = None,
        http_status: int | None = None,
        raw: object = None,
    ) -> None:
        self.provider = provider
        self.code = code
        self.title = title
        self.detail = detail
        self.retryable = self.default_retryable if retryable is None else retryable
        self.retry_after = retry_after
        self.http_status = http_status
        self.raw = raw
        super().__init__(f"{provider} error {code}: {title}" + (f" ({detail})" if detail else ""))


class RateLimited(ProviderError):
    """Too many requests; try again later (after `retry_after` seconds when known)."""

    default_retryable = True
    user_message = _("Limite de envios do provedor atingido; a mensagem será reenviada.")


class SessionWindowClosed(ProviderError):
    """WhatsApp re-engagement: the 24-hour window is closed, only a template may be sent."""

    user_message = _(
        "A janela de 24 horas está fechada: envie um modelo (template) aprovado para retomar "
        "o contato."
    )


class AuthenticationFailed(ProviderError):
    """The channel's access token or bot token is invalid, expired or lacks permission."""

    user_message = _("Credenciais do canal inválidas ou expiradas.")


class RecipientUnavailable(ProviderError):
    """The recipient cannot receive messages (unknown chat, blocked the bot, not on WhatsApp)."""

    user_message = _("O destinatário não pode receber mensagens por este canal.")


class MediaTooLarge(ProviderError):
    """The media is larger than the provider accepts."""

    user_message = _("O arquivo excede o tamanho permitido pelo canal.")


class MediaTypeNotAllowed(ProviderError):
    """The media type is not accepted by the provider for that kind of message."""

    user_message = _("Tipo de arquivo não permitido neste canal.")


class UnsupportedOutbound(ProviderError):
    """The provider has no equivalent of the requested message (a template on Telegram)."""

    user_message = _("Este canal não permite enviar este tipo de mensagem.")
