"""JSON canonicalisation (RFC 8785, JCS): the one byte string a signed document stands for.

Whoever verifies a signed release serialises its document the same way, byte for byte:
- objects with their members sorted by key (keys compared as UTF-16 code units, as RFC 8785
  says; they differ from code points only beyond the Basic Multilingual Plane);
- no whitespace; strings in UTF-8 with only `"`, `\\` and control characters escaped (`\\b`,
  `\\f`, `\\n`, `\\r`, `\\t`, else `\\u00xx` in lower case);
- numbers as ECMAScript prints them: integers without a fraction or exponent, others in
  their shortest round-trip form, with an exponent (`1e+21`, `1e-7`) only outside 1e-6 to
  1e21; NaN and infinities are not JSON and are refused, and so are integers beyond 2**53,
  which a reader in JavaScript could not hold exactly.
Any RFC 8785 library (there are for JavaScript, Go, Java, Python, Rust) gives the same bytes.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

SAFE_INTEGER = 2**53 - 1


def canonical(value: Any) -> bytes:
    """The RFC 8785 form of a JSON value (dicts, lists, str, int, float, bool, None)."""
    return "".join(_parts(value)).encode("utf-8")


def _parts(value: Any) -> list[str]:
    out: list[str] = []
    _write(value, out)
    return out


def _write(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        if abs(value) > SAFE_INTEGER:
            raise ValueError(f"{value} is beyond what every JSON reader holds exactly")
        out.append(str(value))
    elif isinstance(value, float):
        out.append(number(value))
    elif isinstance(value, str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out)
        out.append("]")
    elif isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError("object keys must be strings")
        out.append("{")
        for i, key in enumerate(sorted(value, key=lambda k: k.encode("utf-16-be"))):
            if i:
                out.append(",")
            out.append(json.dumps(key, ensure_ascii=False))
            out.append(":")
            _write(value[key], out)
        out.append("}")
    else:
        raise TypeError(f"{type(value).__name__} is not JSON")


def number(x: float) -> str:
    """ECMAScript's Number::toString, which RFC 8785 prescribes for every number."""
    if not math.isfinite(x):
        raise ValueError("NaN and infinities are not JSON")
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    # repr gives the shortest digits that read back as x; Decimal splits them out.
    digits_t, exponent = Decimal(repr(abs(x))).normalize().as_tuple()[1:]
    digits = "".join(map(str, digits_t))
    k = len(digits)
    n = int(exponent) + k  # x = 0.digits * 10**n
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * -n + digits
    e = n - 1
    mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{sign}{mantissa}e{'+' if e > 0 else '-'}{abs(e)}"
