"""The tenant admin API: admins only, each change decided by the tenancy domain."""

from redress.tenancy.handlers import read_tenant, tenant_stream
from tests.events.helpers import written_by_another_build
from tests.intake.conftest import TENANT
from tests.intake.test_api import GRIEVANCE

SHARED_SITE = {
    "name": "Chittagong Denim",
    "country": "BD",
    "member_orgs": ["acme-apparel", "globex-garments"],
    "sector": "garments",
    "tier": 2,
}


async def admit_members(intake) -> None:
    """The fixture's tenant names acme-apparel on a site; admit it and a second member."""
    admin = intake.token(roles=("admin",))
    for org, name in (("acme-apparel", "Acme Apparel"), ("globex-garments", "Globex Garments")):
        answer = await intake.client.put(f"/v1/tenant/members/{org}", json={"name": name},
                                         headers=admin)  # fmt: skip
        assert answer.status_code == 200, answer.text


ROUTES = [
    ("GET", "/v1/tenant", None),
    ("PUT", "/v1/tenant", {"name": "Acme", "time_zone": "UTC", "working_days": [0],
                           "languages": ["en"]}),
    ("PUT", "/v1/tenant/members/initech", {"name": "Initech"}),
    ("PUT", "/v1/tenant/sites/ctg-1", SHARED_SITE),
    ("PUT", "/v1/tenant/time-frames", {"acknowledge_days": 3}),
    ("GET", "/v1/tenant/retention", None),
    ("GET", "/v1/tenant/languages", None),
    ("PUT", "/v1/tenant/retention", {"days": 30}),
    ("GET", "/v1/tenant/minimum-count", None),
    ("PUT", "/v1/tenant/minimum-count", {"k": 7}),
    ("GET", "/v1/tenant/follow-up", None),
    ("PUT", "/v1/tenant/follow-up", {"callback_attempts": 4, "check_in_days": 14}),
    ("GET", "/v1/tenant/alert-recipients", None),
    ("PUT", "/v1/tenant/alert-recipients", {"officers": ["officer@acme.example"]}),
    ("GET", "/v1/tenant/hotline", None),
    ("PUT", "/v1/tenant/hotline", {"number": "+880 9612-345678"}),
]  # fmt: skip


async def test_only_an_admin_of_the_tenant_reaches_the_tenant_api(intake):
    await admit_members(intake)
    before = await intake.events()
    for method, path, body in ROUTES:
        assert (await intake.client.request(method, path, json=body)).status_code == 401
        for role in ("member", "officer", "operator", "auditor"):
            answer = await intake.client.request(method, path, json=body,
                                                 headers=intake.token(roles=(role,)))  # fmt: skip
            assert answer.status_code == 403, (method, path, role, answer.text)
    assert await intake.events() == before
    admin = intake.token(roles=("admin",))
    for method, path, body in ROUTES:
        answer = await intake.client.request(method, path, json=body, headers=admin)
        assert answer.status_code == 200, (method, path, answer.text)
    # settings, member, site, frames, retention, k, follow-up, alert recipients, hotline
    assert await intake.events() == before + 9
    # An admin of another tenant sees and changes nothing of this one.
    other = intake.token(roles=("admin",), tenant="globex-msi")
    assert (await intake.client.get("/v1/tenant", headers=other)).status_code == 404


async def test_an_admin_sets_up_the_tenant_and_reads_it_back(intake):
    await admit_members(intake)
    admin = intake.token(roles=("admin",))
    settings = {"name": "Acme MSI", "time_zone": "Asia/Dhaka", "working_days": [6, 0, 1, 2, 3],
                "languages": ["bn", "en"]}  # fmt: skip
    assert (await intake.client.put("/v1/tenant", json=settings, headers=admin)).is_success
    site = await intake.client.put("/v1/tenant/sites/ctg-1", json=SHARED_SITE, headers=admin)
    assert site.status_code == 200, site.text
    again = await intake.client.put("/v1/tenant/sites/ctg-1", json=SHARED_SITE, headers=admin)
    assert again.json() == site.json()  # the same site again records nothing
    tenant = (await intake.client.get("/v1/tenant", headers=admin)).json()
    assert (tenant["name"], tenant["time_zone"]) == ("Acme MSI", "Asia/Dhaka")
    assert tenant["working_days"] == [0, 1, 2, 3, 6] and tenant["languages"] == ["bn", "en"]
    (ctg,) = [s for s in tenant["sites"] if s["site_id"] == "ctg-1"]
    assert ctg["member_orgs"] == ["acme-apparel", "globex-garments"] and ctg["tier"] == 2
    assert tenant["version"] == site.json()["version"]


async def test_refusals_name_their_kind_and_record_nothing(intake):
    await admit_members(intake)
    admin = intake.token(roles=("admin",))
    before = await intake.events()
    settings = {"name": "Acme", "time_zone": "UTC", "working_days": [0], "languages": ["en"]}
    cases = [
        ("/v1/tenant", {**settings, "languages": ["tlh"]}, "unknown-language"),
        ("/v1/tenant", {**settings, "time_zone": "Mars/Olympus"}, "unknown-time-zone"),
        ("/v1/tenant/minimum-count", {"k": 2}, "k-too-low"),
        ("/v1/tenant/alert-recipients", {"officers": ["not an address"]}, "bad-email"),
        ("/v1/tenant/alert-recipients", {"officers": [" a@b.example"]}, "bad-email"),
        ("/v1/tenant/alert-recipients", {"officers": ["a@b.example\n"]}, "bad-email"),
        ("/v1/tenant/alert-recipients", {"supervisors": ["a@b.example", "Ann <a@b.example>"]},
         "bad-email"),
        ("/v1/tenant/alert-recipients", {"admins": ["root@acme"]}, "bad-email"),
    ]  # fmt: skip
    for path, body, kind in cases:
        answer = await intake.client.put(path, json=body, headers=admin)
        assert answer.status_code == 422, (path, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["type"] == f"urn:redress:problem:{kind}"
    # What the tenant's state does not allow (yet) is a conflict.
    conflicts = [
        ({**SHARED_SITE, "name": "dhaka knit"}, "duplicate-site"),
        ({**SHARED_SITE, "member_orgs": ["initech"]}, "unknown-member"),
    ]
    for body, kind in conflicts:
        conflict = await intake.client.put("/v1/tenant/sites/ctg-1", json=body, headers=admin)
        assert conflict.status_code == 409, conflict.text
        assert conflict.json()["type"] == f"urn:redress:problem:{kind}"
    for path, body in [("/v1/tenant/sites/ctg-1", {**SHARED_SITE, "tier": True}),
                       ("/v1/tenant/members/Not%20An%20Id", {"name": "X"}),
                       ("/v1/tenant", {**settings, "working_days": [7]}),
                       ("/v1/tenant/minimum-count", {"k": "5"}),
                       ("/v1/tenant/minimum-count", {"k": 1001}),
                       ("/v1/tenant/alert-recipients", {"officers": "a@b.example"}),
                       ("/v1/tenant/alert-recipients", {"auditors": ["a@b.example"]}),
                       ("/v1/tenant/hotline", {"number": 16357}),
                       ("/v1/tenant/hotline", {"number": "call us"}),
                       ("/v1/tenant/hotline", {"number": "1234567890123456"}),
                       ("/v1/tenant/hotline", {})]:  # fmt: skip
        assert (await intake.client.put(path, json=body, headers=admin)).status_code == 422
    assert await intake.events() == before
    k = await intake.client.get("/v1/tenant/minimum-count", headers=admin)
    assert k.json()["k"] == 5  # the default, unchanged
    alerted = await intake.client.get("/v1/tenant/alert-recipients", headers=admin)
    assert (alerted.json()["officers"], alerted.json()["supervisors"]) == ([], [])
    assert alerted.json()["admins"] == []


async def test_an_admin_names_who_is_alerted_each_address_once(intake):
    admin = intake.token(roles=("admin",))
    body = {"officers": ["officer@acme.example", "OFFICER@acme.example", "o2@acme.example"],
            "supervisors": ["head@acme.example"]}  # fmt: skip
    first = await intake.client.put("/v1/tenant/alert-recipients", json=body, headers=admin)
    assert first.status_code == 200, first.text
    assert first.json()["officers"] == ["officer@acme.example", "o2@acme.example"]
    assert first.json()["supervisors"] == ["head@acme.example"]
    assert first.json()["admins"] == []  # none named: none alerted
    before = await intake.events()
    again = await intake.client.put("/v1/tenant/alert-recipients", json=body, headers=admin)
    assert again.json() == first.json() and await intake.events() == before
    body |= {"admins": ["root@acme.example", "Root@Acme.example", "ops@acme.example"]}
    admins = await intake.client.put("/v1/tenant/alert-recipients", json=body, headers=admin)
    assert admins.status_code == 200, admins.text
    assert admins.json()["admins"] == ["root@acme.example", "ops@acme.example"]
    read = await intake.client.get("/v1/tenant/alert-recipients", headers=admin)
    assert read.json() == admins.json() and await intake.events() == before + 1
    # A client that names only the roles it knew of (written before admins were alerted)
    # changes those and leaves the admins as they are; [] names nobody.
    known = {"officers": ["o3@acme.example"], "supervisors": []}
    older = await intake.client.put("/v1/tenant/alert-recipients", headers=admin, json=known)
    assert older.status_code == 200, older.text
    assert (older.json()["officers"], older.json()["supervisors"], older.json()["admins"]) == (
        ["o3@acme.example"], [], ["root@acme.example", "ops@acme.example"],
    )  # fmt: skip
    nulls = await intake.client.put("/v1/tenant/alert-recipients", headers=admin,
                                    json={"officers": None, "admins": []})  # fmt: skip
    assert (nulls.json()["officers"], nulls.json()["admins"]) == (["o3@acme.example"], [])


async def test_recipients_of_an_older_build_name_no_admins_and_a_new_choice_names_them(
    intake, system
):
    """An AlertRecipientsSet of version 1 (before admins were alerted) in the tenant's stream
    is upcast where it is read; one of version 2 is read as written."""
    admin = intake.token(roles=("admin",))
    stream = tenant_stream(TENANT)
    v1 = {"officers": ["officer@acme.example"], "supervisors": ["head@acme.example"]}
    version = await system.store.stream_version(stream) + 1
    await written_by_another_build(system, stream, "AlertRecipientsSet", 1, v1, version)
    old = (await intake.client.get("/v1/tenant/alert-recipients", headers=admin)).json()
    assert (old["officers"], old["supervisors"], old["admins"]) == (
        ["officer@acme.example"], ["head@acme.example"], [])  # fmt: skip
    async with system.pool.acquire() as conn:
        assert (await read_tenant(conn, TENANT)).alert_recipients.admins == ()
    body = {**v1, "admins": ["root@acme.example"]}
    new = await intake.client.put("/v1/tenant/alert-recipients", json=body, headers=admin)
    assert new.status_code == 200 and new.json()["admins"] == ["root@acme.example"]
    (written,) = (await system.store.read_stream(stream))[-1:]
    assert written.schemaversion == 2 and written.data.admins == ("root@acme.example",)
    async with system.pool.acquire() as conn:
        chosen = (await read_tenant(conn, TENANT)).alert_recipients
    assert (chosen.officers, chosen.admins) == (("officer@acme.example",), ("root@acme.example",))


async def test_each_member_of_a_shared_site_files_about_it_and_no_other_member(intake):
    await admit_members(intake)
    admin = intake.token(roles=("admin",))
    await intake.client.put("/v1/tenant/members/initech", json={"name": "Initech"}, headers=admin)
    site = await intake.client.put("/v1/tenant/sites/ctg-1", json=SHARED_SITE, headers=admin)
    assert site.status_code == 200, site.text
    about_it = {**GRIEVANCE, "site_id": "ctg-1", "member_reference": None}
    for member in ("acme-apparel", "globex-garments"):
        filed = await intake.client.post("/v1/grievances", json=about_it,
                                         headers=intake.token(org=member))  # fmt: skip
        assert filed.status_code == 201, (member, filed.text)
    before = await intake.events()
    outsider = await intake.client.post("/v1/grievances", json=about_it,
                                        headers=intake.token(org="initech"))  # fmt: skip
    assert outsider.status_code == 422
    assert outsider.json()["type"] == "urn:redress:problem:site-of-another-member"
    assert await intake.events() == before


async def test_the_old_site_path_admits_the_member_it_names(intake):
    admin = intake.token(roles=("admin",))
    site = {"site_id": "hcm-3", "name": "Saigon Shoes", "country": "VN", "member_org": "vina"}
    answer = await intake.client.put("/v1/sites/hcm-3", json=site, headers=admin)
    assert answer.status_code == 200, answer.text
    tenant = (await intake.client.get("/v1/tenant", headers=admin)).json()
    assert {"org": "vina", "name": "vina"} in tenant["members"]
    (hcm,) = [s for s in tenant["sites"] if s["site_id"] == "hcm-3"]
    assert hcm["member_orgs"] == ["vina"]
