-- Issue 14: every send re-checks selection's rules (models/asking/send_rules.py), among them
-- "already reviewed in the routed pool", which looks up the customer's reviews at each claim.
CREATE INDEX IF NOT EXISTS review_customer_idx ON review (customer) WHERE customer IS NOT NULL;
