"""The one vocabulary of risk indicators of trafficking and forced labour.

Each indicator is recorded under one code. Where it breaches a benchmark of Recommendation 3
of the UN Special Rapporteur's guidance for MSIs (numbered 1 to 17 as the guidance numbers
them), `benchmark` says which; where it is one of the ILO's eleven indicators of forced
labour, `ilo` names it. Several benchmarks fall under one ILO indicator (fees, loans and
company stores under debt bondage); some have none on the other side (isolation is no R3
benchmark, payslips no ILO indicator). Child labour is neither, and always escalates.
Each has a weight in triage (`escalating`) and a meaning in plain words for the console.

Codes that once named the same thing twice (the ILO's wording beside the benchmark's) are
aliases: old events are upcast to the one code, and commands may still use them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# How much one indicator weighs in triage (ADR 0020). Trafficking sits at the far end of a
# continuum that starts with "minor" abuses: one late payslip is not debt bondage, and
# escalating every case alike would bury the few that need the State's referral mechanism.
ALWAYS = "always"  # escalates on its own, and no officer may override it (child labour)
STRONG = "strong"  # escalates on its own: involuntariness or the menace of a penalty
MEDIUM = "medium"  # escalates with another medium or strong indicator
RIGHTS = "labour_rights"  # a labour-rights risk: recorded and counted, never escalates


@dataclass(frozen=True)
class Indicator:
    code: str
    benchmark: int | None
    ilo: str | None
    weight: str
    meaning: str


DEBT_BONDAGE = "debt bondage"
DECEPTION = "deception"
WAGES = "withholding of wages"

VOCABULARY: tuple[Indicator, ...] = (
    Indicator("free_to_resign", 1, None, STRONG,
              "Workers cannot resign and leave when they choose, with reasonable notice."),
    Indicator("debt_bondage", 2, DEBT_BONDAGE, STRONG,
              "A debt to the employer or recruiter ties the worker to the job."),
    Indicator("recruitment_fees", 3, DEBT_BONDAGE, MEDIUM,
              "Workers paid fees or costs to be recruited (the employer should pay them)."),
    Indicator("unlicensed_recruiter", 4, None, MEDIUM,
              "Workers were recruited by an agent without a licence or registration."),
    Indicator("no_written_contract", 5, None, RIGHTS,
              "No written contract in a language the worker understands."),
    Indicator("contract_substitution", 6, DECEPTION, STRONG,
              "The job or its terms differ from what was promised at recruitment."),
    Indicator("payslips", 7, None, RIGHTS, "No payslips, or payslips that cannot be read."),
    Indicator("below_minimum_wage", 8, None, RIGHTS, "Pay below the legal minimum wage."),
    Indicator("withheld_wages", 9, WAGES, MEDIUM,
              "Wages not paid in full, on time, or at all."),
    Indicator("unlawful_deductions", 10, WAGES, MEDIUM,
              "Deductions from pay that the law or the contract does not allow."),
    Indicator("abusive_loans", 11, DEBT_BONDAGE, STRONG,
              "Loans or advances on terms the worker cannot repay or leave."),
    Indicator("control_of_earnings", 12, WAGES, MEDIUM,
              "Someone else holds or controls the worker's pay or bank card."),
    Indicator("company_store", 13, DEBT_BONDAGE, MEDIUM,
              "Workers must buy food or goods from the employer, at its prices."),
    Indicator("mandatory_housing", 14, None, MEDIUM,
              "Workers must live in housing the employer chooses or charges for."),
    Indicator("document_retention", 15, "retention of identity documents", STRONG,
              "The employer or agent keeps workers' passports or identity papers."),
    Indicator("restricted_movement", 16, "restriction of movement", STRONG,
              "Workers are locked in, watched, or not free to come and go."),
    Indicator("no_union_rights", 17, None, RIGHTS,
              "Workers cannot join or form a union or bargain collectively."),
    Indicator("abuse_of_vulnerability", None, "abuse of vulnerability", MEDIUM,
              "The worker's situation (migration status, language, poverty) is used against them."),
    Indicator("deception", None, DECEPTION, STRONG,
              "Workers were lied to about the work, the pay or the conditions."),
    Indicator("isolation", None, "isolation", STRONG,
              "Workers are cut off from family, help or the outside world."),
    Indicator("physical_and_sexual_violence", None, "physical and sexual violence", STRONG,
              "Workers are hit, sexually abused or harmed."),
    Indicator("intimidation_and_threats", None, "intimidation and threats", STRONG,
              "Workers or their families are threatened (with denunciation, violence, dismissal)."),
    Indicator(
        "abusive_working_and_living_conditions", None, "abusive working and living conditions",
        MEDIUM, "Degrading, dangerous or unhealthy conditions at work or in housing.",
    ),
    Indicator("excessive_overtime", None, "excessive overtime", MEDIUM,
              "Overtime beyond the legal limit, or that workers cannot refuse."),
    Indicator("child_labour", None, None, ALWAYS, "A worker is under the legal working age."),
)  # fmt: skip
BY_CODE = {i.code: i for i in VOCABULARY}

# Old codes -> the one code they now are.
ALIASES = {
    "retention_of_identity_documents": "document_retention",
    "restriction_of_movement": "restricted_movement",
    "withholding_of_wages": "withheld_wages",
}


def escalating(codes: Iterable[str]) -> tuple[str, ...]:
    """The indicators that make a case critical and recommend a referral, sorted; none when
    they do not: any `always` or `strong` one, or two `medium` ones (or a medium one beside a
    strong one, named with it). Labour-rights risks never escalate. Unknown codes count for
    nothing."""
    found = [BY_CODE[c] for c in dict.fromkeys(codes) if c in BY_CODE]
    weighty = [i for i in found if i.weight != RIGHTS]
    strong = any(i.weight in (ALWAYS, STRONG) for i in weighty)
    if strong or sum(i.weight == MEDIUM for i in weighty) >= 2:
        return tuple(sorted(i.code for i in weighty))
    return ()


def canonical(codes: Iterable[str]) -> tuple[str, ...]:
    """The codes under their one name, each once, in their order (others pass unchanged)."""
    return tuple(dict.fromkeys(ALIASES.get(c, c) for c in codes))
