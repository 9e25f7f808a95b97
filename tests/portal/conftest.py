from tests.pipeline.fixtures import (  # noqa: F401 - fixtures are found by name
    whatsapp_channel,
    whatsapp_sim,
)
from tests.routing.conftest import alfa, desk  # noqa: F401 - fixtures are found by name
