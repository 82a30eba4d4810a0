"""Writes on episodes, campaigns, callers, calls, escalations and the SMS wave, one module per concern.

Every write runs in a transaction and writes its audit row in the same transaction. Time is
passed in (`now`) so the re-call rules can be tested with simulated time. Import each function
from its module (`from villesolidaire.campaigns.services.call_queue import take_next_call`):
this package re-exports nothing but the error they all raise.

A service that enqueues a background task imports `campaigns.tasks`; the tasks import only the
worker-side modules (`campaigns.sms_wave_sending`, outside this package), which never import `campaigns.tasks`.
"""


class CampaignError(Exception):
    """A refused operation. Its message is French, for users."""
