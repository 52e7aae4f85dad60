-- Issue 15: staff shout-outs. A roster of team members per product, and the shout-outs found in
-- reviews and captured praise (models/team/).
CREATE TABLE team_member (
    id serial PRIMARY KEY,
    product integer NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    name varchar(120) NOT NULL CHECK (btrim(name) <> ''),
    aliases varchar(40)[] NOT NULL DEFAULT '{}' CHECK (cardinality(aliases) <= 10),
    role varchar(120) NOT NULL DEFAULT '',
    email varchar(254) NOT NULL,
    locale varchar(5) NOT NULL DEFAULT 'en',
    sender integer REFERENCES sender (id) ON DELETE SET NULL,
    active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (product, email)
);

CREATE TABLE shout_out (
    id serial PRIMARY KEY,
    product integer NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    member integer NOT NULL REFERENCES team_member (id) ON DELETE CASCADE,
    source varchar(10) NOT NULL CHECK (source IN ('review', 'praise')),
    review integer REFERENCES review (id) ON DELETE CASCADE,
    quote integer REFERENCES quote (id) ON DELETE CASCADE,
    written varchar(120) NOT NULL DEFAULT '',
    words text NOT NULL DEFAULT '',
    polarity varchar(10) NOT NULL CHECK (polarity IN ('positive', 'negative', 'neutral')),
    routed_to varchar(15) NOT NULL CHECK (routed_to IN ('member', 'account_owner')),
    owner varchar(150) NOT NULL DEFAULT '',
    mailed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((source = 'review') = (review IS NOT NULL)),
    CHECK ((source = 'praise') = (quote IS NOT NULL))
);
CREATE UNIQUE INDEX shout_out_review_member ON shout_out (review, member) WHERE review IS NOT NULL;
CREATE UNIQUE INDEX shout_out_quote_member ON shout_out (quote, member) WHERE quote IS NOT NULL;
CREATE INDEX shout_out_product_time ON shout_out (product, created_at);
CREATE INDEX shout_out_member_time ON shout_out (member, created_at);

-- A negative or neutral mention becomes a task for the account owner.
ALTER TABLE task DROP CONSTRAINT task_kind_check;
ALTER TABLE task ADD CONSTRAINT task_kind_check CHECK (kind IN (
    'call_ask', 'social_ask', 'thank_you', 'outreach', 'reply', 'approval', 'mention', 'case_study'));
