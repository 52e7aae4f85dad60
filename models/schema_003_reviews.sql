-- Reviews in: attribution, lanes, themes, improvement records, lane thresholds, webhook signing.

ALTER TABLE product
    ADD COLUMN praise_min_rating double precision NOT NULL DEFAULT 4 CHECK (praise_min_rating BETWEEN 0 AND 5),
    ADD COLUMN outreach_min_rating double precision NOT NULL DEFAULT 3 CHECK (outreach_min_rating BETWEEN 0 AND 5),
    ADD CONSTRAINT product_lane_order CHECK (outreach_min_rating <= praise_min_rating);

ALTER TABLE customer ADD COLUMN account_owner varchar(150) NOT NULL DEFAULT '';

ALTER TABLE review
    ADD COLUMN lane varchar(10) NOT NULL DEFAULT 'praise' CHECK (lane IN ('praise', 'outreach', 'improve')),
    ADD COLUMN match_confidence double precision NOT NULL DEFAULT 0 CHECK (match_confidence BETWEEN 0 AND 1),
    ADD COLUMN match_reason text NOT NULL DEFAULT '',
    ADD COLUMN themes jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN source varchar(10) NOT NULL DEFAULT 'graphql' CHECK (source IN ('graphql', 'csv', 'webhook', 'admin'));
CREATE INDEX review_profile_date_idx ON review (profile, reviewed_on);

CREATE TABLE improvement (
    id serial PRIMARY KEY,
    review integer NOT NULL UNIQUE REFERENCES review (id) ON DELETE CASCADE,
    product integer NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    themes jsonb NOT NULL DEFAULT '[]',
    summary text NOT NULL DEFAULT '',
    status varchar(10) NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'planned', 'done', 'wontfix')),
    created_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE api_token ADD COLUMN signing_secret varchar(64);
