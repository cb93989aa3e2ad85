"""The tenant admin pages: a token login for admins of this tenant, CSRF on every form."""

import re

from tests.intake.conftest import TENANT
from tests.intake.test_tenant_api import admit_members

ADMIN = f"/t/{TENANT}/admin"


async def log_in(intake, headers: dict) -> int:
    csrf = await intake.csrf(f"{ADMIN}/login")
    token = headers["Authorization"].removeprefix("Bearer ")
    answer = await intake.client.post(f"{ADMIN}/login", data={"csrf": csrf, "token": token})
    return answer.status_code


async def test_only_an_admin_of_this_tenant_logs_in(intake):
    await admit_members(intake)
    first = await intake.client.get(ADMIN)
    assert first.status_code == 303 and first.headers["location"] == f"{ADMIN}/login"
    assert await log_in(intake, intake.token(roles=("member",))) == 403
    assert await log_in(intake, intake.token(roles=("admin",), tenant="globex-msi")) == 403
    # A token refused, as every console refuses it: 401, not "not yours".
    assert await log_in(intake, intake.token(roles=("admin",), ttl=-120)) == 401
    assert await log_in(intake, {"Authorization": "Bearer not-a-token"}) == 401
    assert "admin_token" not in intake.client.cookies
    assert await log_in(intake, intake.token(roles=("admin",))) == 303
    page = await intake.client.get(ADMIN)
    assert page.status_code == 200 and "Acme Initiative" in page.text
    assert "Dhaka Knit" in page.text and "Globex Garments" in page.text


async def test_an_admin_shares_a_site_between_members_through_the_pages(intake):
    await admit_members(intake)
    assert await log_in(intake, intake.token(roles=("admin",))) == 303
    before = await intake.events()
    site = {
        "site_id": "ctg-1",
        "name": "Chittagong Denim",
        "country": "BD",
        "member_orgs": ["acme-apparel", "globex-garments"],
        "sector": "garments",
        "tier": "2",
    }
    forged = await intake.client.post(f"{ADMIN}/sites", data={**site, "csrf": "0" * 64})
    assert forged.status_code == 403
    assert await intake.events() == before
    csrf = await intake.csrf(ADMIN)
    saved = await intake.client.post(f"{ADMIN}/sites", data={**site, "csrf": csrf})
    assert saved.status_code == 303, saved.text
    page = await intake.client.get(saved.headers["location"])
    shown = r"Chittagong Denim</td><td>BD</td><td>acme-apparel, globex-garments"
    assert re.search(shown, page.text)
    # Six columns scroll inside a region of their own, reachable by keyboard, on a phone.
    sites = page.text.split('<div class="scroll" id="sites" tabindex="0" role="region"')[1]
    assert re.search(shown, sites.split("</div>")[0])
    assert await intake.events() == before + 1
    wrong = {"csrf": csrf, "name": "Acme", "time_zone": "Mars/Olympus", "working_days": "0",
             "languages": "en"}  # fmt: skip
    refused = await intake.client.post(f"{ADMIN}/settings", data=wrong)
    assert refused.status_code == 422 and "is not a time zone" in refused.text
    assert await intake.events() == before + 1


async def test_an_admin_sets_the_minimum_count_through_the_pages_never_below_3(intake):
    assert await log_in(intake, intake.token(roles=("admin",))) == 303
    before = await intake.events()
    csrf = await intake.csrf(ADMIN)
    for k, says in (("2", "at least 3"), ("five", "a whole number")):
        refused = await intake.client.post(f"{ADMIN}/minimum-count", data={"csrf": csrf, "k": k})
        assert refused.status_code == 422 and says in refused.text
    assert await intake.events() == before
    saved = await intake.client.post(f"{ADMIN}/minimum-count", data={"csrf": csrf, "k": "7"})
    assert saved.status_code == 303, saved.text
    page = await intake.client.get(saved.headers["location"])
    assert re.search(r'name="k"[^>]*value="7"', page.text)
    assert await intake.events() == before + 1


async def test_an_admin_names_who_is_emailed_alerts_through_the_pages(intake):
    assert await log_in(intake, intake.token(roles=("admin",))) == 303
    before = await intake.events()
    csrf = await intake.csrf(ADMIN)
    chosen = {"officers": "officer@acme.example\r\no2@acme.example", "supervisors": "",
              "admins": "root@acme.example, ops@acme.example"}  # fmt: skip
    forged = await intake.client.post(
        f"{ADMIN}/alert-recipients", data={**chosen, "csrf": "0" * 64}
    )
    assert forged.status_code == 403
    bad = {**chosen, "admins": "Ann <root@acme.example>", "csrf": csrf}
    refused = await intake.client.post(f"{ADMIN}/alert-recipients", data=bad)
    assert refused.status_code == 422 and "is not an email address" in refused.text
    assert await intake.events() == before
    saved = await intake.client.post(f"{ADMIN}/alert-recipients", data={**chosen, "csrf": csrf})
    assert saved.status_code == 303, saved.text
    page = (await intake.client.get(saved.headers["location"])).text
    assert re.search(r'name="admins"[^>]*>root@acme.example\nops@acme.example</textarea>', page)
    assert re.search(r'name="officers"[^>]*>officer@acme.example\no2@acme.example<', page)
    assert await intake.events() == before + 1
    api = await intake.client.get("/v1/tenant/alert-recipients",
                                  headers=intake.token(roles=("admin",)))  # fmt: skip
    assert api.json()["admins"] == ["root@acme.example", "ops@acme.example"]


async def test_an_admin_gives_the_hotline_through_the_pages_and_empties_it(intake):
    assert await log_in(intake, intake.token(roles=("admin",))) == 303
    before = await intake.events()
    csrf = await intake.csrf(ADMIN)
    refused = await intake.client.post(f"{ADMIN}/hotline", data={"csrf": csrf, "number": "call"})
    assert refused.status_code == 422 and "is 3 to 15 digits" in refused.text
    form = refused.text.split('id="form-hotline"')[1].split("</form>")[0]
    assert 'value="call"' in form  # what was typed, with the reason beside it
    assert await intake.events() == before
    saved = await intake.client.post(f"{ADMIN}/hotline",
                                     data={"csrf": csrf, "number": "+880 9612-345678"})  # fmt: skip
    assert saved.status_code == 303, saved.text
    page = (await intake.client.get(saved.headers["location"])).text
    assert re.search(r'name="number"[^>]*value="\+880 9612-345678"', page)
    emptied = await intake.client.post(f"{ADMIN}/hotline", data={"csrf": csrf, "number": " "})
    assert emptied.status_code == 303, emptied.text
    api = await intake.client.get("/v1/tenant/hotline", headers=intake.token(roles=("admin",)))
    assert api.json()["number"] is None
    assert await intake.events() == before + 2


async def test_saving_the_settings_unchanged_keeps_the_order_of_the_languages(intake):
    """The boxes come in the platform's order; the first of the tenant's languages is the one
    a worker without a preference gets, and must not change because a page was saved."""
    await admit_members(intake)
    assert await log_in(intake, intake.token(roles=("admin",))) == 303
    csrf = await intake.csrf(ADMIN)
    chosen = {"csrf": csrf, "name": "Acme Initiative", "time_zone": "Asia/Dhaka",
              "working_days": ["0", "1", "2", "3", "4", "5"]}  # fmt: skip
    # The order the tenant gave: Bengali first.
    given = await intake.client.put(
        "/v1/tenant", headers=intake.token(roles=("admin",)),
        json={"name": "Acme Initiative", "time_zone": "Asia/Dhaka",
              "working_days": [0, 1, 2, 3, 4, 5], "languages": ["bn", "ar", "en"]},
    )  # fmt: skip
    assert given.status_code in (200, 201), given.text
    saved = await intake.client.post(
        f"{ADMIN}/settings", data={**chosen, "languages": ["ar", "bn", "en"]}
    )
    assert saved.status_code == 303, saved.text
    shown = (await intake.client.get("/v1/tenant", headers=intake.token(roles=("admin",)))).json()
    assert shown["languages"] == ["bn", "ar", "en"]
    # A language added goes after them; one taken away goes.
    added = await intake.client.post(
        f"{ADMIN}/settings", data={**chosen, "languages": ["ar", "bn", "fr"]}
    )
    assert added.status_code == 303, added.text
    shown = (await intake.client.get("/v1/tenant", headers=intake.token(roles=("admin",)))).json()
    assert shown["languages"] == ["bn", "ar", "fr"]
    # A site's country is chosen by its name; none is chosen for the admin.
    page = (await intake.client.get(ADMIN)).text
    assert '<option value="" selected disabled>Choose the country</option>' in page
    assert '<option value="BD">Bangladesh (BD)</option>' in page


async def test_a_refused_form_comes_back_with_what_was_typed_and_its_reason_beside_it(intake):
    """The page is long: a refused form's reason is said beside it, and its boxes hold what
    the admin typed, where they held the saved values before."""
    await admit_members(intake)
    assert await log_in(intake, intake.token(roles=("admin",))) == 303
    csrf = await intake.csrf(ADMIN)
    typed = {"csrf": csrf, "officers": "karim@example.org\nnot-an-email",
             "supervisors": "sara@example.org", "admins": "joe@example.org"}  # fmt: skip
    refused = await intake.client.post(f"{ADMIN}/alert-recipients", data=typed)
    assert refused.status_code == 422
    page = refused.text
    assert '<a href="#form-alert-recipients">Go to the form</a>' in page
    form = page.split('id="form-alert-recipients"')[1].split("</form>")[0]
    assert 'class="error" id="error-alert-recipients"' in form
    assert "karim@example.org\nnot-an-email</textarea>" in form
    assert "sara@example.org</textarea>" in form and "joe@example.org</textarea>" in form
    site = {"csrf": csrf, "site_id": "Bad Id", "name": "Chittagong Denim", "country": "BD",
            "member_orgs": ["globex-garments"], "sector": "garments", "tier": "2"}  # fmt: skip
    refused = await intake.client.post(f"{ADMIN}/sites", data=site)
    assert refused.status_code == 422
    form = refused.text.split('id="form-sites"')[1].split("</form>")[0]
    assert 'value="Bad Id"' in form and 'value="Chittagong Denim"' in form
    assert '<option value="BD" selected>' in form
    assert re.search(r'value="globex-garments" checked', form)
    assert not re.search(r'value="acme-apparel" checked', form)
    zero = {"csrf": csrf, "acknowledge_days": "0", "feedback_days": "30", "plan_days": "20"}
    refused = await intake.client.post(f"{ADMIN}/time-frames", data=zero)
    assert refused.status_code == 422 and "each at least 1" in refused.text
    form = refused.text.split('id="form-time-frames"')[1].split("</form>")[0]
    assert 'name="acknowledge_days" type="number" min="1" max="365" value="0"' in form
