-- Asking: selection audits, held/deferred asks, click log, campaign run state.

ALTER TABLE campaign
    ADD COLUMN activated_at timestamptz,
    ADD COLUMN finished_at timestamptz,
    ADD COLUMN signal_watermark integer NOT NULL DEFAULT 0,
    ADD COLUMN sampling_counter integer NOT NULL DEFAULT 0,
    ADD COLUMN one_off_done boolean NOT NULL DEFAULT false;

CREATE TABLE selection_run (
    id serial PRIMARY KEY,
    campaign integer NOT NULL REFERENCES campaign (id) ON DELETE CASCADE,
    started_at timestamptz NOT NULL DEFAULT now(),
    trigger varchar(30) NOT NULL,
    candidates integer NOT NULL DEFAULT 0 CHECK (candidates >= 0),
    eligible integer NOT NULL DEFAULT 0 CHECK (eligible >= 0),
    selected integer NOT NULL DEFAULT 0 CHECK (selected >= 0),
    planned integer NOT NULL DEFAULT 0 CHECK (planned >= 0),
    skipped jsonb NOT NULL DEFAULT '{}',
    sampling jsonb NOT NULL DEFAULT '{}',
    rules jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX selection_run_campaign_idx ON selection_run (campaign, id DESC);

ALTER TABLE ask ADD COLUMN selection_run integer REFERENCES selection_run (id) ON DELETE SET NULL;
ALTER TABLE ask ADD COLUMN clicked_at timestamptz;
ALTER TABLE ask ADD COLUMN reviewed_at timestamptz;
ALTER TABLE ask ALTER COLUMN profile DROP NOT NULL;
ALTER TABLE ask DROP CONSTRAINT ask_status_check;
ALTER TABLE ask ADD CONSTRAINT ask_status_check CHECK (status IN ('held', 'deferred', 'planned',
    'sent', 'clicked', 'reviewed', 'bounced', 'unsubscribed', 'cancelled', 'expired'));
-- held (a notable customer awaiting a human's approval) and deferred (open escalation)
-- asks have no platform yet; every other ask has one.
ALTER TABLE ask ADD CONSTRAINT ask_profile_when_routed CHECK (
    (status IN ('held', 'deferred')) OR profile IS NOT NULL);
DROP INDEX ask_one_open_per_customer_campaign;
CREATE UNIQUE INDEX ask_one_open_per_customer_campaign ON ask (customer, campaign)
    WHERE status IN ('held', 'deferred', 'planned', 'sent', 'clicked');
CREATE INDEX ask_customer_created_idx ON ask (customer, created_at DESC);

CREATE INDEX ask_touch_due_idx ON ask_touch (scheduled_at) WHERE status IN ('scheduled', 'sending');

CREATE TABLE ask_click (
    id bigserial PRIMARY KEY,
    touch integer NOT NULL REFERENCES ask_touch (id) ON DELETE CASCADE,
    at timestamptz NOT NULL DEFAULT now(),
    method varchar(10) NOT NULL,
    user_agent varchar(300) NOT NULL DEFAULT '',
    human boolean NOT NULL,
    reason varchar(60) NOT NULL DEFAULT ''
);
CREATE INDEX ask_click_touch_idx ON ask_click (touch, at DESC);
