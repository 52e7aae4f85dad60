"""Outbox job name -> handler. Job names are what the domain writes in the outbox."""

from jobs.asking.campaigns import run_campaign_job, test_send_job
from jobs.case_studies.mail import send_case_study_mail_job
from jobs.people.signals import derive_tenure_milestones_job
from jobs.quotes.consent import send_consent_request_job
from jobs.team.shout_outs import send_shout_out_job

HANDLERS = {
    "derive_tenure_milestones": derive_tenure_milestones_job,
    "run_campaign": run_campaign_job,
    "send_case_study_mail": send_case_study_mail_job,
    "send_consent_request": send_consent_request_job,
    "send_shout_out": send_shout_out_job,
    "test_send": test_send_job,
}
