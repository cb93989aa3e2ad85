"""Intake's tenant export answers what its OpenAPI documents, to an admin (the only reader); a
field the export adds, or drops, without its model fails here."""

from __future__ import annotations

from tests.intake.test_tenant_api import SHARED_SITE, admit_members
from tests.kit.documented import Documented


async def test_the_tenant_is_as_documented(intake):
    documented = Documented(intake.app)
    await admit_members(intake)
    admin = intake.token(roles=("admin",))
    for path, body in [
        ("/v1/tenant/sites/ctg-1", SHARED_SITE),
        ("/v1/tenant/retention", {"days": 30}),
        ("/v1/tenant/alert-recipients", {"admins": ["admin@acme.example"]}),
    ]:
        written = await intake.client.put(path, json=body, headers=admin)
        assert written.status_code == 200, (path, written.text)
    shown = documented.check(await intake.client.get("/v1/tenant", headers=admin), "/v1/tenant")
    assert shown["members"] and shown["sites"] and shown["retention_days"] == 30
    assert shown["alert_recipients"]["admins"] == ["admin@acme.example"]
    assert documented.unseen() == {}
