-- Proof: erase-on-request keeps a keyed digest of each erased address, so the address is never
-- stored or mailed again, without keeping the address itself.
CREATE TABLE erased_address (
    digest varchar(64) PRIMARY KEY,
    erased_at timestamptz NOT NULL DEFAULT now()
);
