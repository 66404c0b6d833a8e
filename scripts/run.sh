#!/usr/bin/env bash
# Install everything into .venv, migrate, load demo data and run the product on http://127.0.0.1:8000.
# With no environment: the embedded default (SQLite, in-process cache/channel layer/tasks).
# With DATABASE_URL and REDIS_URL set: daphne (a process per core) + a Celery worker + Celery beat on PostgreSQL and Redis.
# Ctrl-C stops every process this script started.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
export PATH="$PWD/.venv/bin:$PATH"

python manage.py migrate --noinput
python manage.py collectstatic --noinput -v0
python manage.py demo_data

pids=()
cleanup() { trap - INT TERM EXIT; for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup INT TERM EXIT

if [ -n "${REDIS_URL:-}" ]; then
  celery -A workplace_roleplay worker --loglevel=INFO --concurrency="${CELERY_CONCURRENCY:-2}" & pids+=($!)
  celery -A workplace_roleplay beat --loglevel=INFO & pids+=($!)
fi
if [ -n "${REDIS_URL:-}" ]; then
  # The full shape: one daphne process per core (WEB_CONCURRENCY sets how many) on one port.
  python scripts/web.py --bind "${HOST:-127.0.0.1}" --port "${PORT:-8000}" & pids+=($!)
else
  # The embedded default keeps its cache and channel layer in memory: one process.
  daphne -b "${HOST:-127.0.0.1}" -p "${PORT:-8000}" workplace_roleplay.asgi:application & pids+=($!)
fi
echo "Workplace Roleplay is running on http://${HOST:-127.0.0.1}:${PORT:-8000}/  (Ctrl-C stops it)"
wait -n "${pids[@]}"
