"""Property-based fuzzing of the API against its own OpenAPI document (schemathesis):
no request may get a 5xx, and no response may contradict the document (status code,
content type, headers, body schema). Bounded: a few examples per operation, a deadline
per example. Webhook deliveries are switched off: fuzzed URLs must not be contacted."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app  # noqa: E402
from apikit import OTHER, make_api  # noqa: E402
from builders import SMALL, write_workbook  # noqa: E402

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
_AUTH: dict[str, str] = {}


@pytest.fixture(scope="module")
def fuzz_schema(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    api_settings, secrets = make_api(folder)
    app = create_app(api_settings)
    _AUTH["Authorization"] = f"Bearer {secrets['admin']}"
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, headers=dict(_AUTH))  # starts the lifespan
    app.state.dispatcher.stop()
    from fastapi.testclient import TestClient

    client = TestClient(app)
    workbook = write_workbook(folder / "small.xlsx", SMALL)
    assert client.post("/import", headers=_AUTH, files=[("files", ("s.xlsx", workbook.read_bytes()))]).status_code == 200
    assert client.post("/import", headers=_AUTH, json=OTHER).status_code == 200
    return schema


@pytest.mark.slow
def test_api_conforms_to_its_openapi_document(fuzz_schema):
    operations = [result.ok() for result in fuzz_schema.get_all_operations()]
    assert len(operations) >= 35
    for operation in operations:

        @settings(max_examples=15, deadline=3000, suppress_health_check=list(HealthCheck), derandomize=True,
                  database=None)
        @given(case=operation.as_strategy())
        def conforms(case):
            case.call_and_validate(headers=dict(_AUTH), checks=CHECKS)

        conforms()
