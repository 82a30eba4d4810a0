"""Background checks for proposals. The deferred task fires at a proposal's deadline; the
`check_proposals` command sweeps every overdue proposal for backends that cannot defer."""

from django_tasks import task

from villesolidaire.matching.expiry import proposal_expire


@task()
def check_proposal_expiry(proposal_id: int) -> bool:
    # A no-op when the proposal was answered or its deadline moved (a later task handles it).
    return proposal_expire(proposal_id=proposal_id)
