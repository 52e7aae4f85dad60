-- Hardening (issue 10): product limits that the schema itself can hold.

-- An event id is unique per product, not across products: one product could otherwise learn
-- of, or pre-empt, another's events by pushing the same (source, event id).
ALTER TABLE signal ADD COLUMN product integer REFERENCES product (id) ON DELETE CASCADE;
UPDATE signal s SET product = c.product FROM customer c WHERE c.id = s.customer;
ALTER TABLE signal ALTER COLUMN product SET NOT NULL;
ALTER TABLE signal DROP CONSTRAINT signal_source_event_id_key;
ALTER TABLE signal ADD CONSTRAINT signal_product_source_event_id_key UNIQUE (product, source, event_id);

-- A sender belongs to one product, or (NULL) is shared by all and managed only by unlimited actors.
ALTER TABLE sender ADD COLUMN product integer REFERENCES product (id) ON DELETE CASCADE;
CREATE INDEX sender_product_idx ON sender (product);

-- URLs: absolute http(s) only (models/core/urls.py says the rest: length, no spaces, no user info).
-- The domain validates every path; these hold for anything that bypasses it. NOT VALID: rows
-- already stored are not re-checked (optional URLs that fail are blanked first; the showcase
-- filters what it shows as well).
UPDATE review SET url = '' WHERE url <> '' AND url !~* '^https?://[^[:space:][:cntrl:]]+$';
UPDATE sender SET photo_url = '' WHERE photo_url <> '' AND photo_url !~* '^https?://[^[:space:][:cntrl:]]+$';
UPDATE quote SET photo_url = '' WHERE photo_url <> '' AND photo_url !~* '^https://[^[:space:][:cntrl:]]+$';
UPDATE product SET website = '' WHERE website <> '' AND website !~* '^https?://[^[:space:][:cntrl:]]+$';
UPDATE review_platform SET website = '' WHERE website <> '' AND website !~* '^https?://[^[:space:][:cntrl:]]+$';
ALTER TABLE review ADD CONSTRAINT review_url_http
    CHECK (url = '' OR url ~* '^https?://[^[:space:][:cntrl:]]+$') NOT VALID;
ALTER TABLE sender ADD CONSTRAINT sender_photo_url_http
    CHECK (photo_url = '' OR photo_url ~* '^https?://[^[:space:][:cntrl:]]+$') NOT VALID;
ALTER TABLE quote ADD CONSTRAINT quote_photo_url_https
    CHECK (photo_url = '' OR photo_url ~* '^https://[^[:space:][:cntrl:]]+$') NOT VALID;
ALTER TABLE product ADD CONSTRAINT product_website_http
    CHECK (website = '' OR website ~* '^https?://[^[:space:][:cntrl:]]+$') NOT VALID;
ALTER TABLE review_platform ADD CONSTRAINT review_platform_website_http
    CHECK (website = '' OR website ~* '^https?://[^[:space:][:cntrl:]]+$') NOT VALID;
ALTER TABLE platform_profile ADD CONSTRAINT platform_profile_urls_http
    CHECK (profile_url ~* '^https?://[^[:space:][:cntrl:]]+$'
           AND review_url ~* '^https?://[^[:space:][:cntrl:]]+$') NOT VALID;

-- Tasks done through the API say how they went; a call or DM ask's outcome moves its ask.
ALTER TABLE task ADD COLUMN outcome varchar(20) NOT NULL DEFAULT ''
    CHECK (outcome IN ('', 'done', 'asked', 'declined', 'not_reached'));
