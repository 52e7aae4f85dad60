-- Plaudit schema, version 1. The Piccolo tables in models/*.py mirror these
-- definitions (tests/test_schema_matches_tables.py keeps them in step); the
-- constraints live here because Piccolo neither enforces `choices` nor emits
-- CHECK, partial unique or composite unique constraints.

CREATE TABLE product (
    id serial PRIMARY KEY,
    slug varchar(60) NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]*$'),
    name varchar(120) NOT NULL CHECK (length(trim(name)) > 0),
    website varchar(400) NOT NULL DEFAULT '',
    brand_color varchar(7) NOT NULL DEFAULT '#4f46e5' CHECK (brand_color ~ '^#[0-9a-fA-F]{6}$'),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE review_platform (
    id serial PRIMARY KEY,
    key varchar(40) NOT NULL UNIQUE CHECK (key ~ '^[a-z0-9_]+$'),
    name varchar(80) NOT NULL,
    website varchar(200) NOT NULL DEFAULT '',
    rating_scale integer NOT NULL CHECK (rating_scale BETWEEN 1 AND 100),
    sub_ratings varchar[] NOT NULL DEFAULT '{}',
    audience_regions varchar[] NOT NULL DEFAULT '{}',
    vendor_may_ask boolean NOT NULL DEFAULT true,
    incentives_allowed boolean NOT NULL DEFAULT false,
    incentive_disclosure text NOT NULL DEFAULT '',
    review_pool varchar(40) NOT NULL,
    freshness_days integer NOT NULL DEFAULT 365 CHECK (freshness_days > 0),
    rules_note text NOT NULL DEFAULT ''
);

CREATE TABLE platform_profile (
    id serial PRIMARY KEY,
    product integer NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    platform integer NOT NULL REFERENCES review_platform (id) ON DELETE RESTRICT,
    profile_url varchar(500) NOT NULL CHECK (profile_url ~ '^https?://'),
    review_url varchar(500) NOT NULL CHECK (review_url ~ '^https?://'),
    target_rating double precision CHECK (target_rating BETWEEN 0 AND 5),
    target_count integer CHECK (target_count >= 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (product, platform)
);

CREATE TABLE rating_snapshot (
    id serial PRIMARY KEY,
    profile integer NOT NULL REFERENCES platform_profile (id) ON DELETE CASCADE,
    taken_on date NOT NULL,
    average double precision NOT NULL CHECK (average BETWEEN 0 AND 5),
    review_count integer NOT NULL CHECK (review_count >= 0),
    UNIQUE (profile, taken_on)
);

CREATE TABLE customer (
    id serial PRIMARY KEY,
    product integer NOT NULL REFERENCES product (id) ON DELETE RESTRICT,
    external_id varchar(120) NOT NULL CHECK (length(external_id) > 0),
    email varchar(254) NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
    first_name varchar(100) NOT NULL DEFAULT '',
    last_name varchar(100) NOT NULL DEFAULT '',
    title varchar(150) NOT NULL DEFAULT '',
    company varchar(200) NOT NULL DEFAULT '',
    plan varchar(60) NOT NULL DEFAULT '',
    customer_since date,
    country varchar(2) NOT NULL DEFAULT '' CHECK (country ~ '^([A-Z]{2})?$'),
    locale varchar(5) NOT NULL DEFAULT 'en' CHECK (locale IN ('en', 'fr')),
    time_zone varchar(60) NOT NULL DEFAULT 'UTC',
    social_handles jsonb NOT NULL DEFAULT '{}',
    is_insider boolean NOT NULL DEFAULT false,
    is_notable boolean NOT NULL DEFAULT false,
    email_status varchar(20) NOT NULL DEFAULT 'ok'
        CHECK (email_status IN ('ok', 'bounced', 'unsubscribed', 'complained', 'erased')),
    suppressed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (product, external_id),
    CHECK ((email_status = 'ok') = (suppressed_at IS NULL))
);
CREATE INDEX customer_email_idx ON customer (lower(email));

CREATE TABLE signal (
    id serial PRIMARY KEY,
    customer integer NOT NULL REFERENCES customer (id) ON DELETE CASCADE,
    kind varchar(30) NOT NULL CHECK (kind IN ('renewed', 'upgraded', 'ticket_resolved',
        'nps_answer', 'praise', 'tenure_milestone', 'escalation_opened', 'escalation_closed')),
    source varchar(60) NOT NULL CHECK (length(source) > 0),
    event_id varchar(200) NOT NULL CHECK (length(event_id) > 0),
    occurred_at timestamptz NOT NULL,
    nps_score integer CHECK (nps_score BETWEEN 0 AND 10),
    note text NOT NULL DEFAULT '',
    payload jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (source, event_id),
    CHECK ((kind = 'nps_answer') = (nps_score IS NOT NULL))
);
CREATE INDEX signal_customer_recent_idx ON signal (customer, occurred_at DESC, id DESC);

CREATE TABLE sender (
    id serial PRIMARY KEY,
    name varchar(120) NOT NULL CHECK (length(trim(name)) > 0),
    title varchar(150) NOT NULL DEFAULT '',
    email varchar(254) NOT NULL UNIQUE CHECK (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
    photo_url varchar(500) NOT NULL DEFAULT '',
    signature text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE campaign (
    id serial PRIMARY KEY,
    product integer NOT NULL REFERENCES product (id) ON DELETE RESTRICT,
    name varchar(150) NOT NULL CHECK (length(trim(name)) > 0),
    status varchar(20) NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'active', 'paused', 'finished')),
    trigger_kind varchar(20) NOT NULL DEFAULT 'signal' CHECK (trigger_kind IN ('signal', 'one_off')),
    trigger_signal varchar(30) CHECK (trigger_signal IN ('renewed', 'upgraded', 'ticket_resolved',
        'tenure_milestone')),
    audience jsonb NOT NULL DEFAULT '{}',
    sampling jsonb NOT NULL DEFAULT '{"rule": "everyone"}',
    channel varchar(20) NOT NULL DEFAULT 'email' CHECK (channel IN ('email', 'call', 'social_dm', 'in_app')),
    sender integer REFERENCES sender (id) ON DELETE RESTRICT,
    templates jsonb NOT NULL DEFAULT '{}',
    routing jsonb NOT NULL DEFAULT '{"strategy": "need"}',
    pacing jsonb NOT NULL DEFAULT '{}',
    follow_up jsonb NOT NULL DEFAULT '{}',
    cooldown_days integer NOT NULL DEFAULT 180 CHECK (cooldown_days >= 0),
    incentive jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((trigger_kind = 'signal') = (trigger_signal IS NOT NULL))
);

CREATE TABLE ask (
    id serial PRIMARY KEY,
    campaign integer NOT NULL REFERENCES campaign (id) ON DELETE RESTRICT,
    customer integer NOT NULL REFERENCES customer (id) ON DELETE CASCADE,
    profile integer NOT NULL REFERENCES platform_profile (id) ON DELETE RESTRICT,
    channel varchar(20) NOT NULL CHECK (channel IN ('email', 'call', 'social_dm', 'in_app')),
    status varchar(20) NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'sent', 'clicked',
        'reviewed', 'bounced', 'unsubscribed', 'cancelled', 'expired')),
    signal integer REFERENCES signal (id) ON DELETE SET NULL,
    routing_reason text NOT NULL DEFAULT '',
    planned_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- One open ask per customer and campaign; closed asks are history.
CREATE UNIQUE INDEX ask_one_open_per_customer_campaign ON ask (customer, campaign)
    WHERE status IN ('planned', 'sent', 'clicked');

CREATE TABLE ask_touch (
    id serial PRIMARY KEY,
    ask integer NOT NULL REFERENCES ask (id) ON DELETE CASCADE,
    seq integer NOT NULL CHECK (seq >= 0),
    message_id varchar(200) NOT NULL UNIQUE,
    status varchar(20) NOT NULL DEFAULT 'scheduled'
        CHECK (status IN ('scheduled', 'sending', 'sent', 'failed', 'cancelled')),
    scheduled_at timestamptz NOT NULL,
    sent_at timestamptz,
    subject text NOT NULL DEFAULT '',
    body_text text NOT NULL DEFAULT '',
    body_html text NOT NULL DEFAULT '',
    failure_reason text NOT NULL DEFAULT '',
    attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    UNIQUE (ask, seq)
);

CREATE TABLE review (
    id serial PRIMARY KEY,
    profile integer NOT NULL REFERENCES platform_profile (id) ON DELETE RESTRICT,
    external_id varchar(200) NOT NULL CHECK (length(external_id) > 0),
    rating double precision NOT NULL CHECK (rating BETWEEN 0 AND 5),
    original_rating double precision NOT NULL CHECK (original_rating >= 0),
    original_scale integer NOT NULL CHECK (original_scale > 0),
    sub_ratings jsonb NOT NULL DEFAULT '{}',
    title text NOT NULL DEFAULT '',
    pros text NOT NULL DEFAULT '',
    cons text NOT NULL DEFAULT '',
    body text NOT NULL DEFAULT '',
    reviewer_name varchar(200) NOT NULL DEFAULT '',
    reviewer_title varchar(200) NOT NULL DEFAULT '',
    reviewer_company varchar(200) NOT NULL DEFAULT '',
    reviewed_on date NOT NULL,
    language varchar(5) NOT NULL DEFAULT 'en',
    url varchar(500) NOT NULL DEFAULT '',
    incentivized boolean NOT NULL DEFAULT false,
    insider boolean NOT NULL DEFAULT false,
    customer integer REFERENCES customer (id) ON DELETE SET NULL,
    ask integer REFERENCES ask (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (profile, external_id),
    CHECK (original_rating <= original_scale)
);

CREATE TABLE quote (
    id serial PRIMARY KEY,
    product integer NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    source varchar(20) NOT NULL CHECK (source IN ('review', 'praise')),
    review integer REFERENCES review (id) ON DELETE CASCADE,
    customer integer REFERENCES customer (id) ON DELETE CASCADE,
    text text NOT NULL CHECK (length(trim(text)) > 0),
    attribution_name varchar(200) NOT NULL DEFAULT '',
    attribution_title varchar(200) NOT NULL DEFAULT '',
    attribution_company varchar(200) NOT NULL DEFAULT '',
    photo_url varchar(500) NOT NULL DEFAULT '',
    status varchar(20) NOT NULL DEFAULT 'candidate' CHECK (status IN ('candidate',
        'consent_requested', 'approved', 'published', 'retired', 'rejected')),
    position integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((source = 'review') = (review IS NOT NULL))
);

CREATE TABLE quote_consent (
    id serial PRIMARY KEY,
    quote integer NOT NULL REFERENCES quote (id) ON DELETE CASCADE,
    placement varchar(20) NOT NULL
        CHECK (placement IN ('home_page', 'product_page', 'email', 'ad', 'social')),
    state varchar(20) NOT NULL DEFAULT 'requested'
        CHECK (state IN ('requested', 'granted', 'declined', 'revoked')),
    requested_at timestamptz NOT NULL DEFAULT now(),
    decided_at timestamptz,
    published boolean NOT NULL DEFAULT false,
    UNIQUE (quote, placement),
    CHECK (NOT published OR state = 'granted')
);

CREATE TABLE task (
    id serial PRIMARY KEY,
    kind varchar(20) NOT NULL
        CHECK (kind IN ('call_ask', 'social_ask', 'thank_you', 'outreach', 'reply', 'approval')),
    title varchar(300) NOT NULL CHECK (length(trim(title)) > 0),
    body text NOT NULL DEFAULT '',
    link varchar(500) NOT NULL DEFAULT '',
    status varchar(10) NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
    assignee varchar(150) NOT NULL DEFAULT '',
    customer integer REFERENCES customer (id) ON DELETE CASCADE,
    review integer REFERENCES review (id) ON DELETE CASCADE,
    ask integer REFERENCES ask (id) ON DELETE CASCADE,
    due_at timestamptz,
    done_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'done') = (done_at IS NOT NULL))
);

CREATE TABLE api_token (
    id serial PRIMARY KEY,
    name varchar(120) NOT NULL CHECK (length(trim(name)) > 0),
    prefix varchar(16) NOT NULL,
    secret_hash varchar(64) NOT NULL UNIQUE,
    scopes varchar[] NOT NULL CHECK (cardinality(scopes) > 0),
    product integer REFERENCES product (id) ON DELETE CASCADE,
    created_by varchar(150) NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,
    revoked_at timestamptz,
    last_used_at timestamptz
);

CREATE TABLE audit_event (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    actor_kind varchar(10) NOT NULL CHECK (actor_kind IN ('admin', 'token', 'system')),
    actor varchar(150) NOT NULL,
    action varchar(80) NOT NULL,
    target_table varchar(40) NOT NULL DEFAULT '',
    target_id varchar(40) NOT NULL DEFAULT '',
    detail jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_event_target_idx ON audit_event (target_table, target_id);

CREATE TABLE outbox_message (
    id bigserial PRIMARY KEY,
    job varchar(80) NOT NULL,
    args jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    enqueued_at timestamptz,
    attempts integer NOT NULL DEFAULT 0,
    done_at timestamptz,
    last_error text NOT NULL DEFAULT ''
);
CREATE INDEX outbox_message_pending_idx ON outbox_message (created_at) WHERE done_at IS NULL;
