"""Gunicorn settings for production: `gunicorn -c config/gunicorn.conf.py config.wsgi`."""

import multiprocessing
import os

bind = os.environ.get("VS_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("VS_WEB_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("VS_WEB_THREADS", 2))
worker_class = "gthread"
timeout = 30
accesslog = os.environ.get("VS_ACCESS_LOG", "-")
max_requests = 2000
max_requests_jitter = 200
