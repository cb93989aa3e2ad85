"""Demo data for `make run`: a tenant with sites, a member company and a few grievances."""

from __future__ import annotations

from redress.events.catalogue.grievance import Category, Channel, Consent
from redress.events.envelope import Actor, Metadata
from redress.events.projection import wait_for_version
from redress.events.store import EventStore
from redress.intake.commands import ContactDetails, GrievanceInput
from redress.intake.context import build
from redress.intake.filing import file_grievance
from redress.intake.projections import Grievances
from redress.kit.runtime import open_pool
from redress.kit.settings import Settings
from redress.tenancy.domain import AdmitMember, Command, RegisterSite, RegisterTenant
from redress.tenancy.handlers import execute, load, tenant_stream

TENANT = "demo"
SETUP: list[Command] = [
    AdmitMember("acme-apparel", "Acme Apparel"),
    AdmitMember("oceanic-foods", "Oceanic Foods"),
    RegisterSite("dhaka-knit", "Dhaka Knitwear Ltd", "BD", ("acme-apparel",), "garments", 1),
    RegisterSite("phnom-penh-garments", "Phnom Penh Garments", "KH", ("acme-apparel",),
                 "garments", 1),
    # Shared: both members buy from this processor.
    RegisterSite("bangkok-seafood", "Bangkok Seafood Processing", "TH",
                 ("oceanic-foods", "acme-apparel"), "seafood", 2),
]  # fmt: skip
GRIEVANCES = [
    ("bn", "BD", "dhaka-knit", Category.wages_and_benefits,
     "তিন মাস ধরে ওভারটাইমের টাকা দেওয়া হয়নি।"),
    ("km", "KH", "phnom-penh-garments", Category.working_hours,
     "យើងត្រូវធ្វើការថែមម៉ោងរៀងរាល់ថ្ងៃអាទិត្យ។"),
    ("my", "TH", "bangkok-seafood", Category.identity_documents,
     "ပတ်စ်ပို့ကို ကုမ္ပဏီက သိမ်းထားတယ်။"),
    ("en", "BD", "dhaka-knit", Category.health_and_safety,
     "The fire exit on the third floor is locked during shifts."),
]  # fmt: skip
ADMIN = Actor(id="demo-seed", role="admin")


async def seed_demo(settings: Settings) -> None:
    """Add the demo tenant once; a second run finds it and does nothing."""
    pool = await open_pool(settings, role="redress_intake", size=2)
    try:
        store = EventStore(pool)
        if (await load(store, TENANT))[0].registered:
            return
        meta = Metadata(tenant=TENANT, actor=ADMIN)
        languages = ("en", "bn", "km", "my", "th")
        await execute(store, TENANT, RegisterTenant(TENANT, "Demo Initiative",
                                                    languages=languages), meta)  # fmt: skip
        for command in SETUP:
            done = await execute(store, TENANT, command, meta)
        await wait_for_version(pool, Grievances(), tenant_stream(TENANT), done.version, timeout=30)
        intake = build(settings)
        worker = Metadata(tenant=TENANT, actor=Actor(id="worker", role="worker"))
        for lang, country, site, category, text in GRIEVANCES:
            form = GrievanceInput(
                country=country, site_id=site, category=category, narrative=text, language=lang,
                contact=ContactDetails(language=lang) if lang != "en" else None,
                consent=Consent(contact_me=lang != "en"),
            )  # fmt: skip
            async with pool.acquire() as conn, conn.transaction():
                await file_grievance(conn, store, intake, worker, form, Channel.web)
    finally:
        await pool.close()
