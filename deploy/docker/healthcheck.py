"""The container's HEALTHCHECK: GET /sante/ on gunicorn's port, with an allowed host name.

Exit 0 when the answer is 200 (every check of docs/operations.md passes), 1 otherwise.
Plain Python: no curl in the image.
"""

import os
import sys
import urllib.error
import urllib.request


def allowed_host() -> str:
    """The first of DJANGO_ALLOWED_HOSTS as a Host header (".ma-ville.fr" → "ma-ville.fr", "*" → "localhost")."""
    first = next((host.strip() for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if host.strip()), "")
    return first.lstrip(".") if first not in ("", "*") else "localhost"


def main() -> int:
    port = os.environ.get("VS_BIND", "0.0.0.0:8000").rsplit(":", 1)[-1]
    request = urllib.request.Request(f"http://127.0.0.1:{port}/sante/", headers={"Host": allowed_host()})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError):
        return 1


if __name__ == "__main__":
    sys.exit(main())
