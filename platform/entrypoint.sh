#!/bin/sh
# Entrypoint of the platform image (platform/Dockerfile): optional start-up steps, then the
# container's command (uvicorn by default; celery for the worker and beat services).
#
#   RUN_MIGRATIONS=1  migrate the public schema, the template schema and every tenant schema
#                     (manage.py migrate_all), then make sure the control plane's own tenant row
#                     and its domain (BASE_DOMAIN) exist, without which every request, the health
#                     check included, is answered 404. Set it on ONE service or job only.
#   COLLECTSTATIC=1   copy the image's static files into STATIC_ROOT again; used when a volume
#                     is mounted there to share them with nginx (docker-compose.yml).
set -eu

cd /app

if [ "${RUN_MIGRATIONS:-0}" = "1" ]; then
    # Also creates the control-plane tenant row and its BASE_DOMAIN domain.
    echo "==> manage.py migrate_all"
    python manage.py migrate_all
    echo "==> manage.py clickhouse_migrate"
    python manage.py clickhouse_migrate
fi

if [ "${COLLECTSTATIC:-0}" = "1" ]; then
    echo "==> manage.py collectstatic"
    python manage.py collectstatic --noinput --verbosity 0
fi

exec "$@"
