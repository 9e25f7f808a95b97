import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# The web process keeps its PostgreSQL connections in a pool (see DATABASE_POOL in settings).
os.environ.setdefault("DATABASE_POOL", "1")

application = get_asgi_application()
