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
