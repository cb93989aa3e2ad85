"""Countries as ISO 3166-1 alpha-2 codes, checked against pycountry's copy of the standard.

User-assigned codes (`ZZ`, `XX`, `AA`, ...) and codes no longer in use are refused: a
country that is not known is said so explicitly (None), never written as a code.
"""

from __future__ import annotations

from typing import Annotated

import pycountry
from pydantic import AfterValidator, Field

CODES = sorted(country.alpha_2 for country in pycountry.countries)


def is_country(code: str) -> bool:
    return len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None


def _country(code: str) -> str:
    if not is_country(code):
        raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-2 country code")
    return code


Country = Annotated[
    str,
    Field(
        pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2", json_schema_extra={"enum": CODES}
    ),
    AfterValidator(_country),
]
