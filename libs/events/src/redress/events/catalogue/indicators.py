"""The one vocabulary of risk indicators of trafficking and forced labour.

Each indicator is recorded under one code. Where it breaches a benchmark of Recommendation 3
of the UN Special Rapporteur's guidance for MSIs (numbered 1 to 17 as the guidance numbers
them), `benchmark` says which; where it is one of the ILO's eleven indicators of forced
labour, `ilo` names it. Several benchmarks fall under one ILO indicator (fees, loans and
company stores under debt bondage); some have none on the other side (isolation is no R3
benchmark, payslips no ILO indicator). Child labour is neither, and always escalates.

Codes that once named the same thing twice (the ILO's wording beside the benchmark's) are
aliases: old events are upcast to the one code, and commands may still use them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Indicator:
    code: str
    benchmark: int | None
    ilo: str | None


DEBT_BONDAGE = "debt bondage"
DECEPTION = "deception"
WAGES = "withholding of wages"

VOCABULARY: tuple[Indicator, ...] = (
    Indicator("free_to_resign", 1, None),
    Indicator("debt_bondage", 2, DEBT_BONDAGE),
    Indicator("recruitment_fees", 3, DEBT_BONDAGE),
    Indicator("unlicensed_recruiter", 4, None),
    Indicator("no_written_contract", 5, None),
    Indicator("contract_substitution", 6, DECEPTION),
    Indicator("payslips", 7, None),
    Indicator("below_minimum_wage", 8, None),
    Indicator("withheld_wages", 9, WAGES),
    Indicator("unlawful_deductions", 10, WAGES),
    Indicator("abusive_loans", 11, DEBT_BONDAGE),
    Indicator("control_of_earnings", 12, WAGES),
    Indicator("company_store", 13, DEBT_BONDAGE),
    Indicator("mandatory_housing", 14, None),
    Indicator("document_retention", 15, "retention of identity documents"),
    Indicator("restricted_movement", 16, "restriction of movement"),
    Indicator("no_union_rights", 17, None),
    Indicator("abuse_of_vulnerability", None, "abuse of vulnerability"),
    Indicator("deception", None, DECEPTION),
    Indicator("isolation", None, "isolation"),
    Indicator("physical_and_sexual_violence", None, "physical and sexual violence"),
    Indicator("intimidation_and_threats", None, "intimidation and threats"),
    Indicator(
        "abusive_working_and_living_conditions", None, "abusive working and living conditions"
    ),
    Indicator("excessive_overtime", None, "excessive overtime"),
    Indicator("child_labour", None, None),
)
BY_CODE = {i.code: i for i in VOCABULARY}

# Old codes -> the one code they now are.
ALIASES = {
    "retention_of_identity_documents": "document_retention",
    "restriction_of_movement": "restricted_movement",
    "withholding_of_wages": "withheld_wages",
}


def canonical(codes: Iterable[str]) -> tuple[str, ...]:
    """The codes under their one name, each once, in their order (others pass unchanged)."""
    return tuple(dict.fromkeys(ALIASES.get(c, c) for c in codes))
