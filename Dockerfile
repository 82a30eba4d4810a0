# Ville Solidaire: one image for the web server, the task worker and the periodic jobs
# (compose.yaml, docs/deployment.md « Containers »). Configuration comes from the environment
# at run time (deploy/env.example); nothing secret is in the image.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/srv/villesolidaire/.venv/bin:$PATH \
    TZ=Europe/Paris \
    VS_BIND=0.0.0.0:8000 \
    VS_VAR_DIR=/var/lib/villesolidaire \
    VS_BACKUP_DIR=/var/backups/villesolidaire \
    DJANGO_STATIC_ROOT=/srv/villesolidaire/staticfiles

# pg_dump and pg_restore of PostgreSQL 15 for `manage.py backup` / `restore`; the time zone data.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client-15 tzdata \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 villesolidaire \
    && useradd --system --uid 10001 --gid villesolidaire --home-dir /var/lib/villesolidaire --shell /usr/sbin/nologin villesolidaire

WORKDIR /srv/villesolidaire
# Same layout as a server install (.venv beside manage.py): the commands of the docs work as written.
COPY requirements.txt ./
RUN python -m venv .venv && .venv/bin/pip install -r requirements.txt

COPY . .
# Static files collected into the image. The settings need a secret key and a data key to load:
# throw-away values for this one command, never kept in the image's environment.
RUN DJANGO_SECRET_KEY=build-only-not-a-secret \
    VS_DATA_KEYS=YnVpbGQtb25seS1ub3QtYS1yZWFsLWtleS0wMDAwMDA= \
    DATABASE_URL=postgres:///unused-at-build \
    python manage.py collectstatic --no-input -v0 \
    && install -d -o villesolidaire -g villesolidaire -m 0750 /var/lib/villesolidaire \
    && install -d -o villesolidaire -g villesolidaire -m 0700 /var/backups/villesolidaire

# The code belongs to root: the service account reads it and writes only its data and backups.
USER villesolidaire
EXPOSE 8000
# /sante/ (docs/operations.md): database, migrations, task queue and worker heartbeat.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "deploy/docker/healthcheck.py"]
CMD ["gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"]
