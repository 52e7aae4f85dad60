-- Domain events (issue 13): one row per thing that happened, written in the same transaction
-- as the change. `tx` is the writing transaction's id: the feed serves only events whose
-- transaction is older than every transaction still running, so a reader resuming from a
-- cursor never skips an event that commits late with a lower id.
CREATE TABLE domain_event (
    id bigserial PRIMARY KEY,
    type varchar(40) NOT NULL CHECK (type ~ '^[a-z_]+\.[a-z_]+$'),
    product integer REFERENCES product (id) ON DELETE CASCADE,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    payload jsonb NOT NULL DEFAULT '{}',
    tx xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX domain_event_product_id_idx ON domain_event (product, id);
CREATE INDEX domain_event_type_id_idx ON domain_event (type, id);
