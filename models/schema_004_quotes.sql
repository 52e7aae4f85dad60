-- Quotes out: the curation trail of a quote, its disclosures, consent per placement, and the
-- notifications that keep every process's showcase cache exact.

ALTER TABLE quote
    ADD COLUMN original_text text NOT NULL DEFAULT '',
    ADD COLUMN photo_permitted boolean NOT NULL DEFAULT false,
    ADD COLUMN incentive_disclosure text NOT NULL DEFAULT '',
    ADD COLUMN insider boolean NOT NULL DEFAULT false,
    ADD COLUMN consent_email varchar(254) NOT NULL DEFAULT '',
    ADD COLUMN consent_locale varchar(5) NOT NULL DEFAULT 'en',
    ADD COLUMN publish_when_consented boolean NOT NULL DEFAULT false,
    ADD COLUMN consent_requested_at timestamptz,
    ADD COLUMN consent_requested_by varchar(150) NOT NULL DEFAULT '',
    ADD COLUMN consent_mailed_at timestamptz,
    ADD COLUMN approved_at timestamptz,
    ADD COLUMN approved_by varchar(150) NOT NULL DEFAULT '',
    ADD COLUMN second_approved_at timestamptz,
    ADD COLUMN second_approved_by varchar(150) NOT NULL DEFAULT '',
    ADD COLUMN published_at timestamptz,
    ADD COLUMN published_by varchar(150) NOT NULL DEFAULT '',
    ADD COLUMN retired_at timestamptz,
    ADD COLUMN retired_by varchar(150) NOT NULL DEFAULT '',
    ADD COLUMN rejected_at timestamptz,
    ADD COLUMN rejected_by varchar(150) NOT NULL DEFAULT '',
    ADD COLUMN rejection_reason text NOT NULL DEFAULT '',
    ADD COLUMN replaced_by integer REFERENCES quote (id) ON DELETE SET NULL,
    ADD CONSTRAINT quote_second_approver_differs
        CHECK (second_approved_by = '' OR second_approved_by <> approved_by),
    ADD CONSTRAINT quote_not_replaced_by_itself CHECK (replaced_by IS NULL OR replaced_by <> id);
UPDATE quote q SET original_text = q.text WHERE original_text = '';
CREATE INDEX quote_product_status_idx ON quote (product, status, position);

ALTER TABLE quote_consent ADD COLUMN published_at timestamptz;
CREATE INDEX quote_consent_published_idx ON quote_consent (placement, quote) WHERE published;

-- Every process caches the showcase in memory and listens here: any change to what a showcase
-- (or a token) shows clears the caches when its transaction commits, whoever wrote it — the API,
-- the admin's generic edits, a job, or psql.
CREATE FUNCTION plaudit_notify_showcase() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('plaudit_showcase', TG_TABLE_NAME);
    RETURN NULL;
END
$$;
CREATE TRIGGER quote_showcase AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON quote
    FOR EACH STATEMENT EXECUTE FUNCTION plaudit_notify_showcase();
CREATE TRIGGER quote_consent_showcase AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON quote_consent
    FOR EACH STATEMENT EXECUTE FUNCTION plaudit_notify_showcase();
CREATE TRIGGER rating_snapshot_showcase AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON rating_snapshot
    FOR EACH STATEMENT EXECUTE FUNCTION plaudit_notify_showcase();
CREATE TRIGGER platform_profile_showcase AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON platform_profile
    FOR EACH STATEMENT EXECUTE FUNCTION plaudit_notify_showcase();
CREATE TRIGGER review_platform_showcase AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON review_platform
    FOR EACH STATEMENT EXECUTE FUNCTION plaudit_notify_showcase();
CREATE TRIGGER product_showcase AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON product
    FOR EACH STATEMENT EXECUTE FUNCTION plaudit_notify_showcase();
CREATE TRIGGER review_showcase AFTER UPDATE OR DELETE OR TRUNCATE ON review
    FOR EACH STATEMENT EXECUTE FUNCTION plaudit_notify_showcase();
CREATE TRIGGER api_token_showcase AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON api_token
    FOR EACH STATEMENT EXECUTE FUNCTION plaudit_notify_showcase();

-- The curation desk: each quote beside the review it was cut from.
CREATE VIEW quote_desk AS
SELECT q.id, q.product, q.status, q.source, q.text, q.attribution_name, q.attribution_company,
       r.rating, pl.name AS platform, r.reviewed_on,
       concat_ws(E'\n', nullif(r.title, ''), nullif(r.pros, ''), nullif(r.body, ''),
                 CASE WHEN r.cons <> '' THEN 'Cons: ' || r.cons END) AS review_text,
       coalesce((SELECT string_agg(c.placement || ': ' || c.state
                                   || CASE WHEN c.published THEN ' (live)' ELSE '' END, ', '
                                   ORDER BY c.placement)
                 FROM quote_consent c WHERE c.quote = q.id), '') AS consent,
       (q.approved_by <> '' AND cu.is_notable AND q.second_approved_by = '') AS awaits_second_approval,
       q.position, q.created_at
FROM quote q
LEFT JOIN review r ON r.id = q.review
LEFT JOIN platform_profile pp ON pp.id = r.profile
LEFT JOIN review_platform pl ON pl.id = pp.platform
LEFT JOIN customer cu ON cu.id = q.customer;
