"""Schemathesis against the running app: every operation of /api/v1/openapi.json (the
Fil Rouge API with the TMF621 API merged in), generated requests, zero 5xx.

Bounded: `SCHEMATHESIS_EXAMPLES` test cases per operation (default 8; both runs
together take well under a minute here); CI may raise it.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.accounts.tokens import create_api_token
from filrouge.cases.tests.factories import make_case
from filrouge.partners.services import add_partner, entrust_case

pytestmark = pytest.mark.django_db(transaction=True)
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"


@pytest.mark.parametrize("who", ["agent", "partner"])
def test_generated_requests_never_get_a_server_error(live_server, who):
    agent = AgentFactory()
    case = make_case(owner=agent)
    partner, partner_key = add_partner("Partenaire fuzz")
    entrust_case(case, partner=partner, by=None)
    _token, agent_token = create_api_token(agent, name="schemathesis")
    token = agent_token if who == "agent" else partner_key
    examples = os.environ.get("SCHEMATHESIS_EXAMPLES", "8")
    run = subprocess.run(  # noqa: S603 - our own virtualenv's tool, fixed arguments
        [
            str(SCHEMATHESIS),
            "run",
            f"{live_server.url}/api/v1/openapi.json",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            examples,
            "--phases",
            "examples,fuzzing",
            "--workers",
            "1",
            "--seed",
            "7",
            "--request-timeout",
            "20",
            "--header",
            f"Authorization: Bearer {token}",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
        check=False,
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    summary = re.search(r"(\d+) generated, (\d+) passed", run.stdout)
    assert summary, run.stdout[-3000:]
    assert summary.group(1) == summary.group(2)  # every generated case passed
    assert not re.search(r"\d+ (failed|errored)", run.stdout), run.stdout[-3000:]
