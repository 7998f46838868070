# Callable Admin: slim Python 3.11, non-root, static files collected at build, gunicorn.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=callable_admin.settings \
    GUNICORN_WORKERS=2 GUNICORN_THREADS=8 PORT=8000

RUN useradd --create-home --uid 10001 app
WORKDIR /app

# Dependencies first, the exact versions of the lock (bin/lock), checked against its hashes,
# so code changes reuse this layer.
COPY requirements/main.txt ./requirements/main.txt
RUN pip install --require-hashes -r requirements/main.txt

COPY manage.py ./
COPY callable_admin ./callable_admin
COPY flows ./flows
COPY templates ./templates
COPY static ./static

# collectstatic needs a key to import settings; the real one comes from the environment at run time.
RUN SECRET_KEY=build-only-not-secret DEBUG=0 python manage.py collectstatic --noinput -v0 \
    && mkdir -p /app/var && chown app:app /app/var

USER app
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=2)"

# No gunicorn access log: the dashboard logs one line per request, with its id and upstream time.
CMD ["sh", "-c", "python manage.py migrate --noinput && exec gunicorn callable_admin.wsgi:application --bind 0.0.0.0:${PORT} --workers ${GUNICORN_WORKERS} --threads ${GUNICORN_THREADS} --forwarded-allow-ips='*'"]
