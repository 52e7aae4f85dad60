-- Issue 13, native intake: providers connected to a product (Stripe, Zendesk) with their
-- signing secrets, and the log of the events each sent (unique per provider event id: a
-- provider's retry is answered as a duplicate and changes nothing).
CREATE TABLE integration (
    id serial PRIMARY KEY,
    product integer NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    provider varchar(20) NOT NULL CHECK (provider IN ('stripe', 'zendesk')),
    signing_secret varchar(200) NOT NULL CHECK (length(signing_secret) >= 8),
    enabled boolean NOT NULL DEFAULT true,
    created_by varchar(150) NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    last_event_at timestamptz
);
CREATE INDEX integration_provider_idx ON integration (provider) WHERE enabled;

CREATE TABLE integration_event (
    id bigserial PRIMARY KEY,
    integration integer NOT NULL REFERENCES integration (id) ON DELETE CASCADE,
    provider_event_id varchar(120) NOT NULL,
    event_type varchar(120) NOT NULL,
    outcome varchar(20) NOT NULL CHECK (outcome IN ('signal', 'ignored', 'unmatched')),
    detail varchar(300) NOT NULL DEFAULT '',
    signal integer REFERENCES signal (id) ON DELETE SET NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX integration_event_once_idx ON integration_event (integration, provider_event_id)
    WHERE outcome <> 'unmatched';
CREATE INDEX integration_event_log_idx ON integration_event (integration, id);
