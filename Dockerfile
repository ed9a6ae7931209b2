# syntax=docker/dockerfile:1
# Stage 1: front-end packages from npm, copied to static/vendor (the runtime image carries no npm).
FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
    && mkdir -p static/vendor \
    && cp node_modules/sortablejs/Sortable.min.js static/vendor/sortable.min.js \
    && sed '/^\/\/# sourceMappingURL=/d' node_modules/chart.js/dist/chart.umd.js > static/vendor/chart.umd.js

# Stage 2: wheels for every pinned requirement (all ship binary wheels; no compiler needed).
FROM python:3.11-slim-bookworm AS wheels
WORKDIR /src
COPY requirements.txt .
RUN pip wheel --no-cache-dir --wheel-dir /wheels -r requirements.txt

# Stage 3: the runtime, as an unprivileged user.
FROM python:3.11-slim-bookworm AS runtime
# The release (the tag CI builds); /healthz names it so a deploy can tell which release answers.
ARG APP_RELEASE=dev
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_DEBUG=0 PORT=8000 APP_RELEASE=${APP_RELEASE}
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app --home /app app
WORKDIR /app
COPY --from=wheels /wheels /wheels
RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels
COPY --chown=10001:10001 . .
COPY --from=assets --chown=10001:10001 /src/static/vendor static/vendor
# collectstatic runs without DJANGO_SECRET_KEY (management commands use a throwaway key; serving refuses).
RUN python manage.py collectstatic --noinput -v0 \
    && mkdir -p var && chown -R 10001:10001 var
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
# Workers, timeouts and the heartbeat directory: gunicorn.conf.py (WEB_CONCURRENCY overrides the worker count).
CMD ["gunicorn", "devopsboard.wsgi"]
