"""JSON that tasknas writes: finite floats rounded to ``JSON_DIGITS`` significant digits, so
that float32 noise (``94.80000138282776``) never reaches a user, and no NaN."""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["JSON_DIGITS", "dumps", "json_ready"]

#: Significant digits of every float the CLI prints as JSON: more than any value of a bundled
#: table (at most 8) and far more than the 6 a statistic needs, few enough to drop the
#: binary noise of float arithmetic (``100 * 0.57`` is ``57.00000000000001``).
JSON_DIGITS = 12


def json_ready(data: Any) -> Any:
    """``data`` with every finite float rounded to ``JSON_DIGITS`` significant digits
    (dicts, lists and tuples are walked; tuples become lists, everything else is kept)."""
    if isinstance(data, float):
        return float(f"{data:.{JSON_DIGITS}g}") if math.isfinite(data) else data
    if isinstance(data, dict):
        return {key: json_ready(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [json_ready(value) for value in data]
    return data


def dumps(data: Any) -> str:
    """``data`` as indented JSON, floats rounded by ``json_ready`` (NaN refused)."""
    return json.dumps(json_ready(data), indent=2, allow_nan=False)
