"""The made-up initiative: its members, sites, partners, time frames and languages."""

from __future__ import annotations

from dataclasses import dataclass

CANARY = "canary-narrative"
"""Every narrative holds it, and every contact a phone number of `PHONES`: a test looks
for them in what the metrics schema holds."""
PHONES = "+8801555"
TIME_ZONE = "Asia/Dhaka"
FRAMES = (5, 60, 30)
"""acknowledge, feedback and plan days (not the defaults: the figures must use the tenant's)."""
LANGUAGES = ("en", "bn", "km", "my", "th", "ne", "hi")
MEMBERS = (
    ("brand-north", "North Apparel"),
    ("brand-east", "Eastern Foods"),
    ("brand-south", "Southern Electronics"),
    ("brand-west", "Western Home"),
)


@dataclass(frozen=True)
class Site:
    site_id: str
    country: str
    sector: str
    tier: int
    members: tuple[str, ...]


SITES = (
    Site("dhaka-knit", "BD", "garments", 1, ("brand-north",)),
    Site("gazipur-dye", "BD", "garments", 2, ("brand-north", "brand-west")),
    Site("chittagong-yarn", "BD", "garments", 3, ()),
    Site("phnom-penh-sew", "KH", "garments", 1, ("brand-north",)),
    Site("kampot-pepper", "KH", "agriculture", 2, ("brand-east",)),
    Site("samut-shrimp", "TH", "seafood", 1, ("brand-east",)),
    Site("songkhla-tuna", "TH", "seafood", 2, ("brand-east", "brand-west")),
    Site("ayutthaya-boards", "TH", "electronics", 1, ("brand-south",)),
    Site("yangon-shoes", "MM", "footwear", 1, ("brand-west",)),
    Site("bago-rubber", "MM", "agriculture", 3, ()),
    Site("kathmandu-carpet", "NP", "textiles", 1, ("brand-west",)),
    Site("tiruppur-spin", "IN", "garments", 2, ("brand-north", "brand-south")),
    Site("chennai-cables", "IN", "electronics", 1, ("brand-south",)),
    Site("penang-chips", "MY", "electronics", 2, ("brand-south",)),
)
SPOKEN = {
    "BD": ("bn", "bn", "bn", "en"), "KH": ("km", "km", "en"), "TH": ("th", "my", "my", "km"),
    "MM": ("my",), "NP": ("ne", "ne", "hi"), "IN": ("hi", "en"), "MY": ("ne", "my", "bn", "en"),
}  # fmt: skip
PARTNERS = (
    ("nrm-bd", "national_referral_mechanism", ("BD",), "legal_aid"),
    ("shelter-th", "shelter", ("TH", "MM", "KH"), "shelter"),
    ("legal-in", "legal_aid", ("IN", "NP", "MY"), "legal_aid"),
)
