"""How many requests a web process works on at once, read by both config/settings.py and
config/gunicorn.conf.py (which cannot load the Django settings), so the two agree.

Load shedding (villesolidaire/core/shedding.py, docs/decisions/0011-load-shedding.md): each gunicorn
worker process works on at most VS_MAX_IN_FLIGHT requests at a time and answers any further one
with 503 at once. Gunicorn gives it more threads than that, so a request over the limit gets a
thread and is refused in about a millisecond instead of waiting behind the others in the worker's
queue. The defaults were measured with `make bench` (docs/benchmarks.md, the `surge_*` figures).
"""

from config.env import development_machine, env_bool, env_int

# Requests a worker process works on at once when shedding is on (production default).
DEFAULT_MAX_IN_FLIGHT = 1
# Threads beyond the limit: they only answer the refusals (about a millisecond each).
SPARE_THREADS = 6


def max_in_flight(debug: bool) -> int:
    """VS_MAX_IN_FLIGHT: requests in flight per process before shedding; 0 turns shedding off
    (the default with DJANGO_DEBUG on: the development server has no such limit)."""
    return env_int("VS_MAX_IN_FLIGHT", 0 if debug else DEFAULT_MAX_IN_FLIGHT)


def web_threads() -> int:
    """VS_WEB_THREADS, else the limit plus spare threads for the refusals (2 when shedding is off)."""
    limit = max_in_flight(env_bool("DJANGO_DEBUG", development_machine()))
    return env_int("VS_WEB_THREADS", limit + SPARE_THREADS if limit > 0 else 2)
