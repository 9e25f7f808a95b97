"""Settings for the test suite: the same settings, read with TESTING on."""

import os

os.environ.setdefault("TESTING", "1")

from config.settings import *  # noqa: F403
