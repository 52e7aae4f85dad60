"""Case-study jobs: the invitation and the draft-for-approval mails (through the outbox)."""

from __future__ import annotations

from typing import Any

from models.case_studies.mail import claim_mail, compose_mail, release_mail


async def send_case_study_mail_job(args: dict[str, Any]) -> str:
    """Mail one invitation or draft. A rerun, or a story that moved on, sends nothing."""
    from jobs.asking.asks import smtp_send

    case_study_id, kind = int(args["case_study_id"]), str(args["kind"])
    if not await claim_mail(case_study_id, kind):
        return "already sent, or no longer needed"
    message = await compose_mail(case_study_id, kind)
    try:
        await smtp_send(message)
    except Exception:
        await release_mail(case_study_id, kind)
        raise
    return f"case study {case_study_id}: {kind} mailed"
