"""An offboarded tenant's form takes no new grievances, and says so in the worker's language."""

from redress.events.envelope import Actor, Metadata
from redress.tenancy.domain import Offboard
from redress.tenancy.handlers import execute
from tests.intake.conftest import TENANT
from tests.intake.test_api import GRIEVANCE
from tests.intake.test_web import fresh_form, report_fields


async def offboard(intake) -> None:
    meta = Metadata(tenant=TENANT, actor=Actor(id="ops", role="platform"))
    await execute(intake.system.store, TENANT, Offboard("left the platform"), meta)


async def test_an_offboarded_tenant_refuses_new_filings_with_a_clear_page(intake):
    tokens = await fresh_form(intake)  # a form opened before the tenant left
    await offboard(intake)
    before = await intake.events()
    page = await intake.client.get(f"/t/{TENANT}/report")
    assert page.status_code == 410
    assert "No longer taking reports" in page.text and "<form" not in page.text.split("<main")[-1]
    bengali = await intake.client.get(f"/t/{TENANT}/report?lang=bn")
    assert bengali.status_code == 410 and "আর অভিযোগ নেওয়া হচ্ছে না" in bengali.text
    sent = await intake.client.post(f"/t/{TENANT}/report", data=report_fields(tokens))
    assert sent.status_code == 410 and "No longer taking reports" in sent.text
    member = await intake.client.post("/v1/grievances", json=GRIEVANCE, headers=intake.token())
    assert member.status_code == 410
    assert member.json()["type"] == "urn:redress:problem:tenant-offboarded"
    admin = intake.token(roles=("admin",))
    change = await intake.client.put("/v1/tenant/retention", json={"days": 9}, headers=admin)
    assert change.status_code == 409
    assert await intake.events() == before
    # What it told the platform stays readable: the export.
    exported = (await intake.client.get("/v1/tenant", headers=admin)).json()
    assert exported["offboarded"] is True and exported["name"] == "Acme Initiative"
