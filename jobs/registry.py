"""Outbox job name -> handler. Job names are what the domain writes in the outbox."""

from jobs.signals import derive_tenure_milestones_job

HANDLERS = {
    "derive_tenure_milestones": derive_tenure_milestones_job,
}
