"""The data dictionary of a release: what every table, dimension and figure means, its unit,
and how disclosure control and noise apply to it. Served at `/t/{tenant}/figures/
dictionary.json`; `tests/metrics/test_figures_pages.py` checks it explains every table and
statistic of a real release."""

from __future__ import annotations

from typing import Any

from redress.metrics import labels

SUPPRESSED = (
    "Each count from 1 to k-1 is withheld (null), and so is any further count from "
    "which a withheld one could be worked out to within k. A zero is shown, except within "
    "a withheld count (its total) of the signs of trafficking, forced labour or child "
    "labour, of referrals or of retaliation reported: there it is withheld too, as it would "
    "show where that count's few cases are. So a withheld count is at least 1, unless it "
    "lies within a withheld count of those measures."
)
NOISED = (
    "Under differential privacy, noise from the discrete Laplace mechanism is added to "
    "every cell before suppression; margins are sums of the noisy cells."
)
STATISTIC = (
    "Shown only when computed from at least k grievances (otherwise figures is null); "
    "not published under differential privacy."
)

DIMENSIONS = {
    "country": "the country of the workplace (ISO 3166-1 alpha-2), unknown if not told",
    "sector": "the sector of the workplace's site when the grievance was raised",
    "tier": "the site's tier in the supply chain (1: direct suppliers)",
    "category": "the type of grievance the worker chose",
    "channel": "how the grievance was raised: web, sms, hotline, member_api, callback",
    "language": "the language the grievance was raised in (ISO 639-1)",
    "grounds": "why a grievance was not taken up",
    "stage": "a stage of the remediation process",
    "outcome": "how a closed grievance ended",
    "score": "the worker's satisfaction, 1 (very unhappy) to 5 (very satisfied)",
    "remedy": "a type of remedy in a grievance's plan (the table's <code>)",
    "group": "a group of risk indicators found at triage (the table's <code>)",
    "step": "a step a referral took (the table's <code>)",
    "within": "yes if the step was done by the due date of the initiative's time frame",
    "asked": "yes if the worker's satisfaction was recorded after closing",
}
MEASURES = {
    "received": "grievances received in the period",
    "admissible": "grievances taken up (found admissible) in the period",
    "rejected": "grievances not taken up in the period, by grounds (their latest decision)",
    "in_progress": "grievances open at the end of the period, by stage",
    "closed": "grievances closed in the period, by outcome (their latest closure)",
    "remedy": "grievances closed in the period whose plan had this remedy (table per remedy)",
    "reopened": "grievances reopened in the period",
    "withdrawn": "grievances the worker withdrew in the period",
    "overdue": "grievances that missed this stage's deadline in the period (table per stage)",
    "indicators": "grievances triaged in the period with indicators of this group: "
    "trafficking, forced_labour, child_labour (table per group)",
    "referrals": "grievances whose referral took this step in the period (table per step)",
    "satisfaction": "grievances with a satisfaction score recorded in the period, by score",
    "within_acknowledge": "grievances acknowledged in the period, by whether in time",
    "within_plan": "grievances whose plan began in the period, by whether in time",
    "within_close": "grievances closed in the period, by whether in time",
    "asked": "grievances closed in the period, by whether their satisfaction was asked",
    **{
        m: f"callback programme: {labels.CALLBACKS[m].lower()} in the period, by the audit's "
        "country"
        for m in labels.CALLBACKS
        if not m.startswith("suppliers_")
    },
    **{
        m: f"callback programme: {labels.CALLBACKS[m].lower()} (a corrective action, suspension "
        "or exit decided in the period, each supplier once), by the site's country"
        for m in labels.CALLBACKS
        if m.startswith("suppliers_")
    },
}
STATISTICS = {
    "time_to_acknowledge": "whole days from receipt to the first admissibility decision: "
    "median_days and p90_days (nearest rank)",
    "time_to_plan": "whole days from receipt to the start of the plan's implementation",
    "time_to_close": "whole days from receipt to closure",
    "satisfaction_mean": "the mean satisfaction score (1 to 5) of the scores counted",
}


def dictionary() -> dict[str, Any]:
    return {
        "format": "redress-release/1",
        "tables": {
            "naming": "<measure>.<dimension>, or <measure>.<code>.<dimension> where a "
            "grievance may count under several codes",
            "unit": "grievances (the callback programme: audits, workers or calls, as named)",
            "disclosure": SUPPRESSED,
            "noise": NOISED,
        },
        "dimensions": DIMENSIONS,
        # What each code of a closed list means, as the pages say it in English: the CSV
        # and JSON carry the codes alone.
        "codes": {
            dim: {**words, "unknown": labels.UNKNOWN} if dim in labels.DIMENSIONS else dict(words)
            for dim, words in labels.VALUES.items()
        },
        "measures": MEASURES,
        "statistics": {
            "disclosure": STATISTIC,
            "unit": "days, or score for satisfaction_mean",
            "figures": STATISTICS,
        },
    }


def explains(name: str, statistic: bool = False) -> bool:
    """Whether the dictionary says what a table or statistic of this name holds."""
    measure, *rest = name.split(".")
    known = STATISTICS if statistic else MEASURES
    return measure in known and bool(rest) and rest[-1] in DIMENSIONS
