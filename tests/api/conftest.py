from tests.api.fixtures import (  # noqa: F401 - fixtures are found by name
    api,
    api_for,
    conversation_on,
)
from tests.pipeline.fixtures import (  # noqa: F401 - fixtures are found by name
    public_client,
    sim_http,
    telegram_sim,
    webchat_channel,
    whatsapp_channel,
    whatsapp_sim,
)
