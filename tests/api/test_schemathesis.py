"""Property-based run of the API against its own description (schemathesis), on a live server,
with a coordinator's key holding every scope: no 5xx, no answer the description does not allow
(status, content type, body, headers), and data the schema forbids refused; for data the schema
allows and data it does not, and call sequences following the description's links.

It runs schemathesis' own command line against the test's live server, as a town's IT would run
it against theirs (its pytest plugin does not load under this pytest). It runs in the PostgreSQL
pass only (`postgres_only`: PostgreSQL refuses values SQLite takes), not inside a town's schema
(`single_town_only`)."""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from tests.api.conftest import make_key
from tests.factories import HelpRequestFactory, MissionFactory, TownFactory, VolunteerFactory
from tests.factories.needs import NeedFactory, ShiftFactory
from tests.factories.partners import OrganisationFactory, ServiceFactory

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.single_town_only(
        reason="the live server is called at localhost, which is no town's domain: the town's API is not there"
    ),
]

EXAMPLES_PER_OPERATION = 10
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


@pytest.fixture
def api_token(transactional_db) -> str:
    TownFactory()
    organisation = OrganisationFactory()
    ServiceFactory(organisation=organisation)
    need = NeedFactory(organisation=organisation)
    ShiftFactory(need=need, starts_at=timezone.now() + datetime.timedelta(days=2))
    HelpRequestFactory.create_batch(3)
    VolunteerFactory.create_batch(3)
    MissionFactory()
    # A high rate: the run makes hundreds of calls a minute, and the limit is tested elsewhere.
    return make_key(rate_per_minute=100_000).token


def test_the_api_answers_as_its_description_says(live_server, api_token, tmp_path):
    command = [
        str(SCHEMATHESIS),
        "run",
        f"{live_server.url}/api/v1/openapi.json",
        "--header",
        f"Authorization: Bearer {api_token}",
        "--checks",
        "all",
        # A request the schema allows may still break a rule no schema can say (an unknown
        # category, a resident merged away, a transition from the current state): 400 is right.
        "--exclude-checks",
        "positive_data_acceptance",
        "--max-examples",
        str(EXAMPLES_PER_OPERATION),
        # The same cases on every run (a CI failure can be replayed), and no example database left behind.
        "--generation-deterministic",
        "--workers",
        "2",
        "--no-color",
        "--report",
        "junit",
        "--report-dir",
        str(tmp_path),
    ]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": ""}
    run = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env, check=False)  # noqa: S603
    Path(os.environ.get("VS_SCHEMATHESIS_LOG", os.devnull)).write_text(run.stdout)
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
    assert "No issues found" in run.stdout or " passed" in run.stdout, run.stdout[-5000:]
