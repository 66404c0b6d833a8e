#!/usr/bin/env bash
# Run every check and the whole test suite against real PostgreSQL and Redis on 127.0.0.1.
# Installs what it needs (virtualenv, Debian's chromium for the browser tests) and starts
# PostgreSQL and Redis if they are down.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
export PATH="$PWD/.venv/bin:$PATH"

if [ ! -x /usr/bin/chromium ]; then
  (apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk) >/dev/null
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  for _ in $(seq 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done
fi

export LITELLM_LOCAL_MODEL_COST_MAP=True
ruff check .
mypy .
check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml
kubernetes-validate --strict --quiet deploy/k8s/*.yaml  # schemas ship with the package: no network
DATABASE_POOL_MAX_SIZE=0 DJANGO_SETTINGS_MODULE=workplace_roleplay.settings.test python manage.py makemigrations --check --dry-run >/dev/null
python scripts/check_translations.py  # every user-facing string has a Japanese msgstr
pytest "$@"
