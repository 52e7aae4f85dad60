-- Issue 13, outbound webhooks. The event feed is served in (transaction, id) order
-- (models/events/events.py); every insert into the log tells listeners (NOTIFY at commit),
-- so the worker's fan-out and the API's live subscriptions wake at once.
CREATE INDEX domain_event_tx_id_idx ON domain_event (tx, id);

CREATE FUNCTION plaudit_notify_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('plaudit_events', '');
    RETURN NULL;
END;
$$;
CREATE TRIGGER domain_event_notify AFTER INSERT ON domain_event
    FOR EACH STATEMENT EXECUTE FUNCTION plaudit_notify_events();

-- A partner's receiver: the event types it wants, its Standard Webhooks secret, and its health.
CREATE TABLE webhook_endpoint (
    id serial PRIMARY KEY,
    product integer NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    url varchar(500) NOT NULL,
    description varchar(200) NOT NULL DEFAULT '',
    event_types varchar(40)[] NOT NULL CHECK (cardinality(event_types) BETWEEN 1 AND 50),
    secret varchar(80) NOT NULL,
    enabled boolean NOT NULL DEFAULT true,
    disabled_reason varchar(300) NOT NULL DEFAULT '',
    consecutive_failures integer NOT NULL DEFAULT 0,
    failing_since timestamptz,
    last_success_at timestamptz,
    -- Events of transactions newer than the one that created the endpoint are delivered to it.
    since_tx xid8 NOT NULL DEFAULT pg_current_xact_id(),
    created_by varchar(150) NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoint_product_idx ON webhook_endpoint (product, id);

-- One event (or test message) for one endpoint: the durable record of its delivery. The
-- webhook-id is stable across attempts; status: pending -> delivering -> delivered, or
-- failed (retries exhausted) or cancelled (endpoint disabled).
CREATE TABLE webhook_delivery (
    id bigserial PRIMARY KEY,
    endpoint integer NOT NULL REFERENCES webhook_endpoint (id) ON DELETE CASCADE,
    event bigint REFERENCES domain_event (id) ON DELETE CASCADE,
    message_id varchar(64) NOT NULL,
    event_type varchar(40) NOT NULL,
    body text NOT NULL,
    status varchar(12) NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'delivering', 'delivered', 'failed', 'cancelled')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_attempt_at timestamptz,
    last_status_code integer,
    last_latency_ms integer,
    last_error varchar(500) NOT NULL DEFAULT '',
    delivered_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX webhook_delivery_event_idx ON webhook_delivery (endpoint, event) WHERE event IS NOT NULL;
CREATE INDEX webhook_delivery_endpoint_idx ON webhook_delivery (endpoint, id);
CREATE INDEX webhook_delivery_due_idx ON webhook_delivery (next_attempt_at)
    WHERE status IN ('pending', 'delivering');

-- Every attempt, for the delivery log.
CREATE TABLE webhook_attempt (
    id bigserial PRIMARY KEY,
    delivery bigint NOT NULL REFERENCES webhook_delivery (id) ON DELETE CASCADE,
    attempted_at timestamptz NOT NULL DEFAULT now(),
    status_code integer,
    latency_ms integer NOT NULL DEFAULT 0,
    error varchar(500) NOT NULL DEFAULT ''
);
CREATE INDEX webhook_attempt_delivery_idx ON webhook_attempt (delivery, id);

-- Where the fan-out stands in the event log: the key (transaction, id) of the last event
-- turned into deliveries. One row, locked by the fan-out that moves it.
CREATE TABLE webhook_fanout (
    id integer PRIMARY KEY CHECK (id = 1),
    last_tx xid8 NOT NULL,
    last_event bigint NOT NULL
);
INSERT INTO webhook_fanout (id, last_tx, last_event)
    SELECT 1, coalesce((SELECT tx FROM domain_event ORDER BY tx DESC, id DESC LIMIT 1), '0'::xid8),
           coalesce((SELECT id FROM domain_event ORDER BY tx DESC, id DESC LIMIT 1), 0);
