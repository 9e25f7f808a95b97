from tests.live.server import (  # noqa: F401 - fixtures are found by name
    asgi_server,
    committed,
    live_tenant,
    sse_streams,
)
from tests.pipeline.fixtures import (  # noqa: F401 - fixtures are found by name
    public_client,
    whatsapp_channel,
    whatsapp_sim,
)
from tests.simulator.fixtures import (  # noqa: F401 - fixtures are found by name
    admin_page,
    sandbox_settings,
    sandbox_telegram,
    sandbox_whatsapp,
)
