"""gunicorn's access logger without link keys: the path is logged without its query string,
and the key segment of no-login links (and of a referring page) is masked."""

from gunicorn.glogging import Logger

from villesolidaire.core.redaction import redact


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        # Every text atom, headers and environ included, whatever the format names.
        atoms = {name: redact(value) if isinstance(value, str) else value for name, value in atoms.items()}
        atoms["q"] = "-"
        return atoms
