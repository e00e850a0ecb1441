"""Old import path of the shared argument checks (see ``tasknas._validation``)."""

from __future__ import annotations

from tasknas._validation import check_choice, non_negative, positive_int

__all__ = ["check_choice", "non_negative", "positive_int"]
