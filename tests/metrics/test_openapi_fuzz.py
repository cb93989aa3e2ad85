"""Schemathesis with every check over the metrics OpenAPI, with an admin's token, on an
initiative with a published release: no server error, every answer documented, valid input
accepted and invalid input refused."""

import uuid
from pathlib import Path

import pytest

from redress.metrics import publishing
from tests.fuzz import schemathesis
from tests.metrics.conftest import API_TENANT

pytestmark = pytest.mark.slow

BASELINE = Path(__file__).with_name("schemathesis-baseline.json")


# One test is the whole schemathesis run: its bound is the run's, on a loaded machine too.
@pytest.mark.timeout(900)
async def test_schemathesis_finds_nothing_on_metrics(figures_api, tmp_path):
    admin = figures_api.token()
    published = await figures_api.client.post(
        "/v1/figures/releases", json={"period": "2025-02"}, headers=admin
    )
    assert published.status_code == 202, published.text
    job = published.json()["id"]
    await publishing.finished(figures_api.app.state.runtime, uuid.UUID(job))
    release = (await figures_api.client.get(published.headers["location"], headers=admin)).json()[
        "release_id"
    ]
    code, output, took = await schemathesis(
        figures_api.app, admin["Authorization"], tmp_path,
        config=f'[parameters]\ntenant = "{API_TENANT}"\nrelease_id = "{release}"\n'
        f'publication_id = "{job}"\n',
        baseline=BASELINE,
    )  # fmt: skip
    print(output[-3000:], f"\nschemathesis took {took:.1f}s")
    assert code == 0, output[-20000:]
    assert "operations" in output.lower(), output[-2000:]
