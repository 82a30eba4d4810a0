"""Gunicorn settings for production: `gunicorn -c config/gunicorn.conf.py config.wsgi`."""

import multiprocessing
import os

bind = os.environ.get("VS_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("VS_WEB_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("VS_WEB_THREADS", 2))
worker_class = "gthread"
timeout = 30
accesslog = os.environ.get("VS_ACCESS_LOG", "-")
# The path without its query string, and no link key (villesolidaire/core/redaction.py).
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(f)s" "%(a)s"'
logger_class = "config.gunicorn_logging.RedactingLogger"
max_requests = 2000
max_requests_jitter = 200
# No control socket (gunicorn ≥ 24 opens one in $HOME by default): systemd's signals drive reloads.
control_socket_disable = True
