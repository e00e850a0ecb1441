"""What a command printed, as the fault tests read it: the non-blank lines of its stderr
(colour codes and the progress bar's last frame left out), and the one-line error a bad
input must give."""

from __future__ import annotations

import re
from typing import Any

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def stderr_lines(text: str) -> list[str]:
    """The non-blank lines of ``text``, without ANSI codes or the progress bar (``━``)."""
    return [line for line in ANSI.sub("", text).splitlines() if line.strip() and "━" not in line]


def one_error_line(result: Any, *needles: str) -> str:
    """Assert exit 2, no traceback and one ``error: `` line on stderr holding every needle;
    return that line."""
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert "Traceback" not in result.output
    lines = stderr_lines(result.stderr)
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]
