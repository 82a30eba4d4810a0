"""The production environment of docs/deployment.md: deploy/env.example with its placeholders filled.

`make check-deploy` and tests/test_deployment.py run Django with exactly this environment, so what
they check is what the guide tells a town to write in /etc/villesolidaire.env.
`python -m config.deploy [NAME=value …]` prints it as shell `export` lines, the overrides applied.
"""

import secrets
import shlex
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ENV_EXAMPLE = Path(__file__).resolve().parent.parent / "deploy" / "env.example"
# What a town must replace; config/settings.py refuses to start while one is left.
PLACEHOLDER = "CHANGE_ME"


def read_env_file(path: Path = ENV_EXAMPLE) -> dict[str, str]:
    """NAME=value lines as systemd's EnvironmentFile=, compose's env_file and the shell all read them:
    comments and blank lines skipped, one pair of surrounding double quotes removed."""
    values: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, equals, value = line.partition("=")
        if not equals or not name.isidentifier() or name != name.strip():
            raise ValueError(f"{path}:{number}: expected NAME=value, got {line!r}")
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        values[name] = value
    return values


def _random_value(name: str) -> str:
    return Fernet.generate_key().decode() if name == "VS_DATA_KEYS" else secrets.token_urlsafe(50)


def production_env(**overrides: str) -> dict[str, str]:
    """deploy/env.example, each placeholder replaced by a new random value, then `overrides` applied."""
    env = {
        name: value.replace(PLACEHOLDER, _random_value(name)) if PLACEHOLDER in value else value
        for name, value in read_env_file().items()
    }
    env.update(overrides)
    return env


def main(arguments: list[str]) -> None:
    overrides = dict(argument.split("=", 1) for argument in arguments)
    for name, value in production_env(**overrides).items():
        print(f"export {name}={shlex.quote(value)}")


if __name__ == "__main__":
    main(sys.argv[1:])
