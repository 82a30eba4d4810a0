"""Gunicorn settings for production: `gunicorn -c config/gunicorn.conf.py config.wsgi`."""

import multiprocessing
import os
import sys
from pathlib import Path

# The project root, for config.capacity (gunicorn reads this file before it imports the application).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from config.capacity import web_threads  # noqa: E402

bind = os.environ.get("VS_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("VS_WEB_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# More threads than VS_MAX_IN_FLIGHT: those over the limit answer 503 at once (load shedding).
threads = web_threads()
worker_class = "gthread"
timeout = 30
accesslog = os.environ.get("VS_ACCESS_LOG", "-")
# The path without its query string, and no link key (villesolidaire/core/redaction.py).
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(f)s" "%(a)s"'
logger_class = "config.gunicorn_logging.RedactingLogger"
# A worker is replaced after this many requests (a guard against slow leaks), each replacement
# costing a boot of about 1.3 s of CPU. 0: never (the refusal server, which keeps nothing per
# request: deploy/systemd/villesolidaire-shed.service).
max_requests = int(os.environ.get("VS_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# No control socket (gunicorn ≥ 24 opens one in $HOME by default): systemd's signals drive reloads.
control_socket_disable = True
