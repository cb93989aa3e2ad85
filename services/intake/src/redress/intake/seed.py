"""Demo data for `make run`: a tenant with sites, a member company and a few grievances."""

from __future__ import annotations

from redress.events.catalogue.grievance import Category, Channel, Consent
from redress.events.catalogue.tenant import SiteRegistered, TenantRegistered
from redress.events.envelope import Actor, Metadata
from redress.events.ids import derived_stream
from redress.events.projection import wait_for_version
from redress.events.store import EventStore
from redress.intake.commands import ContactDetails, GrievanceInput
from redress.intake.context import build
from redress.intake.filing import file_grievance
from redress.intake.projections import Grievances
from redress.kit.runtime import open_pool
from redress.kit.settings import Settings

TENANT = "demo"
SITES = [
    SiteRegistered(site_id="dhaka-knit", name="Dhaka Knitwear Ltd", country="BD",
                   member_org="acme-apparel"),
    SiteRegistered(site_id="phnom-penh-garments", name="Phnom Penh Garments",
                   country="KH", member_org="acme-apparel"),
    SiteRegistered(site_id="bangkok-seafood", name="Bangkok Seafood Processing", country="TH",
                   member_org="oceanic-foods"),
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
        stream = derived_stream("tenant", TENANT)
        if await store.stream_version(stream) > 0:
            return
        meta = Metadata(tenant=TENANT, actor=ADMIN)
        events = [TenantRegistered(name="Demo Initiative"), *SITES]
        done = await store.append(stream, events, 0, meta)
        await wait_for_version(pool, Grievances(), stream, done.version, timeout=30)
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
