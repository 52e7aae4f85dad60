"""Native intake: a billing or help-desk system's own webhook events (Stripe, Zendesk), checked
the way each provider signs them and mapped to lifecycle signals (intake.py)."""
