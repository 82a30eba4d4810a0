"""Steps an upper app adds to a lower app's service, without the lower app importing it.

The apps form a stack (docs/architecture.md): volunteers cannot import trainings, needs or
matching, yet withdrawing a volunteer must free their training seats and shifts, and every
profile change must reach the matching index. The lower service names the moment with a
`Hook` and runs it inside its own transaction; each upper app connects its step in its
`AppConfig.ready()`:

    # volunteers/services.py                  # trainings/apps.py, ready()
    volunteer_withdrawn = Hook("…")           volunteer_withdrawn.connect(registrations_cancel_for_volunteer)
    volunteer_withdrawn.run(volunteer=v, by=by)

Unlike a Django signal, a hook is run explicitly by the service that owns the change, in the
order the apps are installed (INSTALLED_APPS), synchronously, and an error in a step aborts
the service: it is a step of the workflow, not a notification.
"""

from collections.abc import Callable


class Hook:
    def __init__(self, doc: str):
        self.__doc__ = doc
        self._steps: list[Callable[..., object]] = []

    def connect(self, step: Callable[..., object]) -> Callable[..., object]:
        """Add a step (once: `ready()` may run twice in tests)."""
        if step not in self._steps:
            self._steps.append(step)
        return step

    def run(self, **kwargs) -> None:
        for step in self._steps:
            step(**kwargs)
