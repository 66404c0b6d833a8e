"""Schemathesis over the product's own OpenAPI schema, with every check it has (``--checks all``).

Each operation on its own (examples, coverage and fuzzing phases), then the stateful phase:
sequences of calls that follow the schema's links (start a chat, send to it, delete it, ...).
No operation may answer 5xx, and every answer must match what the schema documents (status
code, content type, headers, body), refuse what the schema rules out and accept what it allows
(``schemathesis.toml`` names the few rules no schema can express). Signed in with a JWT; model
calls go to the fake model server: its default reply, and for a structured request (feedback,
hints) schema-valid JSON as a working model gives. Budget: about a minute on two cores.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis.errors import FlakyStrategyDefinition
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import UserFactory

CONFIG = schemathesis.Config.from_path(Path(__file__).with_name("schemathesis.toml"))


@pytest.fixture
def api_schema(db: None, fake_llm: Any) -> Iterator[Any]:
    """The app in this process, in the test's transaction (as Django's test client keeps it)."""
    fake_llm.answer_json_requests()
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application(), config=CONFIG)
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


@pytest.fixture
def bearer(db: None) -> dict[str, str]:
    return {"Authorization": f"Bearer {AccessToken.for_user(UserFactory.create())}"}


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case: Any, bearer: dict[str, str]) -> None:
    response = case.call(headers=bearer)
    case.validate_response(response, headers=bearer)  # no list given: every check


def test_every_sequence_of_calls_answers_as_documented(api_schema: Any, bearer: dict[str, str]) -> None:
    class SignedIn(api_schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": bearer}

        def validate_response(self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any) -> None:
            # The token is ours (not generated), so the auth checks probe without it and with a wrong one.
            case.validate_response(response, headers=bearer, transport_kwargs=kwargs or None, recorder=self.recorder)

    run = settings(max_examples=15, stateful_step_count=6, deadline=None, suppress_health_check=list(HealthCheck))
    try:
        SignedIn.run(settings=run)
    except FlakyStrategyDefinition:
        # A sequence draws its ids from earlier answers (new conversations' ids differ every time),
        # so replaying one can draw differently and Hypothesis stops; that says nothing about the
        # API, and the sequences are run again once. A failed check still fails.
        SignedIn.run(settings=run)
