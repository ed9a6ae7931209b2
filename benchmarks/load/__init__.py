"""Load runs against the production setup: gunicorn (gunicorn.conf.py), PostgreSQL, Redis, one Celery worker."""
