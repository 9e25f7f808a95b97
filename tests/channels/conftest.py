from tests.pipeline.fixtures import (  # noqa: F401 - fixtures are found by name
    live_events,
    public_client,
    sim_http,
    telegram_channel,
    telegram_sim,
    webchat_channel,
    whatsapp_channel,
    whatsapp_sim,
)
