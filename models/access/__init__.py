"""Access: API tokens (minting, authentication, product limits), the audit trail, and the
signature check of inbound webhooks."""
