"""Schemathesis over the server's own `/openapi.json`: every operation, multipart
`/v1/classify` included, with generated requests (bounded: a fixed number of examples per
operation, loopback only) and all of schemathesis' checks: no server error, and every
answer's status, content type and body as the document declares; schema-valid requests
accepted, except random bytes as a clip upload. (Driven through its Python API: its pytest
plugin does not run on this pytest.)"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.support.server_utils import running_server

KEY = "schema-key"
EXAMPLES = 30


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory, tiny_onnx):
    teach_dir = tmp_path_factory.mktemp("teach")
    with running_server(tiny_onnx, api_key=KEY, teach_dir=teach_dir) as url:
        schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
        schema.config.update(base_url=url)
        yield schema


def test_every_operation_answers_as_documented(api_schema):
    failures, operations = [], 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def check(case):  # noqa: ANN001
            # a random binary is "schema-valid" but no clip: the upload's 422 is right there
            excluded = [positive_data_acceptance] if case.operation.path == "/v1/classify" else []
            case.call_and_validate(headers={"X-API-Key": KEY}, timeout=60, excluded_checks=excluded)

        try:
            check()
        except Exception as exc:  # every operation is tried; the failures are listed together
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:1500]}")
    assert operations >= 15
    assert not failures, "\n\n".join(failures)
