"""Which retention periods apply to a procedure: its definition's, else its municipality's."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from portal.tenancy.models import Municipality


@dataclass(frozen=True)
class Policy:
    drafts_days: int
    submissions_years: int
    #: "procedure" (the definition sets it) or "municipality" (the default), for each period
    drafts_source: str
    submissions_source: str

    def rule(self, period: str) -> str:
        """How an audit entry names the rule applied, e.g. ``submissions_years=5 (procedure)``."""
        value = getattr(self, period)
        source = self.drafts_source if period == "drafts_days" else self.submissions_source
        return f"{period}={value} ({source})"


def policy_for(municipality: Municipality, content: dict) -> Policy:
    own = content.get("retention") or {}
    return Policy(
        drafts_days=own.get("drafts_days", municipality.retention_drafts_days),
        submissions_years=own.get("submissions_years", municipality.retention_submissions_years),
        drafts_source="procedure" if "drafts_days" in own else "municipality",
        submissions_source="procedure" if "submissions_years" in own else "municipality",
    )


def years_before(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February in a year without one
        return moment.replace(year=moment.year - years, day=28)
