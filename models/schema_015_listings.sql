-- Issue 15: listing coverage and completeness. What each platform offers a vendor (a free
-- listing, paid placements) and which items its profiles carry; and, per profile, dated checks
-- of what the profile actually carries (models/catalogue/listings.py).
ALTER TABLE review_platform
    ADD COLUMN free_listing boolean NOT NULL DEFAULT true,
    ADD COLUMN paid_placements varchar[] NOT NULL DEFAULT '{}',
    ADD COLUMN profile_fields varchar[] NOT NULL DEFAULT '{}';

CREATE TABLE listing_check (
    id serial PRIMARY KEY,
    profile integer NOT NULL REFERENCES platform_profile (id) ON DELETE CASCADE,
    checked_on date NOT NULL,
    present varchar[] NOT NULL DEFAULT '{}',
    notes text NOT NULL DEFAULT '' CHECK (length(notes) <= 2000),
    checked_by varchar(150) NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (profile, checked_on)
);
