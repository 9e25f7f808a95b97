from tests.routing.conftest import alfa, desk  # noqa: F401 - fixtures are found by name
