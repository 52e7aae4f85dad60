-- Issue 15: case studies (the OptinMonster tip). Questions per product and locale; one story per
-- invited customer, from the invitation to publication, with the customer's verbatim answers and
-- their approval of exactly the published text (models/case_studies/).
CREATE TABLE case_study_questions (
    id serial PRIMARY KEY,
    product integer NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    locale varchar(5) NOT NULL CHECK (locale IN ('en', 'fr')),
    questions jsonb NOT NULL CHECK (jsonb_typeof(questions) = 'array'),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (product, locale)
);

CREATE TABLE case_study (
    id serial PRIMARY KEY,
    product integer NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    customer integer NOT NULL REFERENCES customer (id) ON DELETE CASCADE,
    locale varchar(5) NOT NULL DEFAULT 'en',
    status varchar(20) NOT NULL DEFAULT 'invited' CHECK (status IN (
        'invited', 'accepted', 'declined', 'answered', 'drafted', 'approved', 'published', 'withdrawn')),
    questions jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(questions) = 'array'),
    answers jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(answers) = 'object'),
    title varchar(200) NOT NULL DEFAULT '',
    sections jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(sections) = 'array'),
    company varchar(200) NOT NULL DEFAULT '',
    attribution_name varchar(200) NOT NULL DEFAULT '',
    attribution_title varchar(200) NOT NULL DEFAULT '',
    logo_url varchar(500) NOT NULL DEFAULT '',
    backlink_url varchar(500) NOT NULL DEFAULT '',
    content_digest varchar(64) NOT NULL DEFAULT '',
    approved_digest varchar(64) NOT NULL DEFAULT '',
    feedback text NOT NULL DEFAULT '',
    selection jsonb NOT NULL DEFAULT '{}',
    invited_at timestamptz NOT NULL DEFAULT now(),
    invite_mailed_at timestamptz,
    decided_at timestamptz,
    answered_at timestamptz,
    drafted_at timestamptz,
    draft_mailed_at timestamptz,
    approved_at timestamptz,
    published_at timestamptz,
    withdrawn_at timestamptz,
    withdrawn_by varchar(150) NOT NULL DEFAULT '',
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (status <> 'published' OR (approved_digest <> '' AND approved_digest = content_digest))
);
-- One story in progress per customer and product; declined and withdrawn ones stay for the record.
CREATE UNIQUE INDEX case_study_open ON case_study (product, customer)
    WHERE status NOT IN ('declined', 'withdrawn');
CREATE INDEX case_study_published ON case_study (product, published_at) WHERE status = 'published';

-- The public answer changes only when a published story changes, enters or leaves publication:
-- a customer saving their answers does not empty the showcase cache.
CREATE FUNCTION plaudit_notify_case_study() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (TG_OP <> 'INSERT' AND OLD.status = 'published')
       OR (TG_OP <> 'DELETE' AND NEW.status = 'published') THEN
        PERFORM pg_notify('plaudit_showcase', 'case_study');
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER case_study_showcase AFTER INSERT OR UPDATE OR DELETE ON case_study
    FOR EACH ROW EXECUTE FUNCTION plaudit_notify_case_study();
