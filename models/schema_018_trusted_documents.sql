-- Issue 16: trusted documents — GraphQL documents registered ahead by their SHA-256, which
-- first-party clients send by hash (the Automatic Persisted Queries protocol), and which an
-- operator can make the only documents the API runs (models/access/trusted_documents.py).
CREATE TABLE trusted_document (
    id serial PRIMARY KEY,
    sha256 char(64) NOT NULL UNIQUE CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    document text NOT NULL CHECK (length(document) BETWEEN 1 AND 100000),
    name varchar(120) NOT NULL DEFAULT '',
    created_by varchar(150) NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);
