# sorplan's image: the web app (gunicorn), the Celery worker and Celery beat all run from it.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=sorplan.settings

# WeasyPrint renders PDFs through Pango/HarfBuzz and needs a font (DejaVu, as in CI);
# gettext provides msgfmt for compilemessages.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core gettext \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --system --uid 1000 --user-group --home-dir /app --no-create-home sorplan

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them.
COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY . .

# Settings refuse to load without SECRET_KEY and ALLOWED_HOSTS when DEBUG is off. These
# placeholders exist only for these build steps; DEBUG=0 makes collectstatic write the
# hashed, compressed files and manifest that production (whitenoise) serves.
RUN DEBUG=0 SECRET_KEY=build-only-not-a-secret ALLOWED_HOSTS=build.invalid \
        python manage.py collectstatic --noinput -v 0 \
    && mkdir -p locale \
    && DEBUG=0 SECRET_KEY=build-only-not-a-secret ALLOWED_HOSTS=build.invalid \
        python manage.py compilemessages -v 0 \
    && mkdir -p /data/media \
    && chown -R sorplan:sorplan /data

# An empty named volume mounted on /data or /data/media starts with this ownership.
USER sorplan
EXPOSE 8000

# Workers, threads and logs: deploy/gunicorn.conf.py (the same file compose, the smoke test
# and the load test use).
CMD ["gunicorn", "sorplan.wsgi:application", "--config", "deploy/gunicorn.conf.py", "--bind", "0.0.0.0:8000"]
