-- Issue 13: the events that many code paths cause, written by the database in the same
-- transaction as the row change itself, whichever path made it (domain functions, the admin's
-- generic edits, cascades): task.created, ask.bounced, quote.approved / published / withdrawn,
-- consent.granted / declined / revoked. (models/events/events.py writes the others.)

CREATE FUNCTION plaudit_task_created() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    who integer := NEW.customer;
    owner integer;
BEGIN
    IF who IS NULL AND NEW.ask IS NOT NULL THEN
        SELECT customer INTO who FROM ask WHERE id = NEW.ask;
    END IF;
    SELECT product INTO owner FROM customer WHERE id = who;
    IF owner IS NULL AND NEW.review IS NOT NULL THEN
        SELECT p.product INTO owner FROM review r JOIN platform_profile p ON p.id = r.profile
        WHERE r.id = NEW.review;
    END IF;
    INSERT INTO domain_event (type, product, payload)
    VALUES ('task.created', owner, jsonb_strip_nulls(jsonb_build_object(
        'task', NEW.id, 'kind', NEW.kind, 'ask', NEW.ask, 'customer', who, 'review', NEW.review)));
    RETURN NULL;
END;
$$;
CREATE TRIGGER task_created_event AFTER INSERT ON task
    FOR EACH ROW EXECUTE FUNCTION plaudit_task_created();

CREATE FUNCTION plaudit_ask_bounced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO domain_event (type, product, payload)
    SELECT 'ask.bounced', k.product, jsonb_build_object('ask', NEW.id, 'customer', NEW.customer,
                                                       'campaign', NEW.campaign, 'channel', NEW.channel)
    FROM campaign k WHERE k.id = NEW.campaign;
    RETURN NULL;
END;
$$;
CREATE TRIGGER ask_bounced_event AFTER UPDATE OF status ON ask
    FOR EACH ROW WHEN (NEW.status = 'bounced' AND OLD.status IS DISTINCT FROM 'bounced')
    EXECUTE FUNCTION plaudit_ask_bounced();

CREATE FUNCTION plaudit_quote_status() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    kind text;
BEGIN
    IF NEW.status = 'published' THEN
        kind := 'quote.published';
    ELSIF OLD.status = 'published' THEN
        kind := 'quote.withdrawn';  -- off every placement: retired, rejected, or back to approved
    ELSIF NEW.status = 'approved' THEN
        kind := 'quote.approved';
    ELSE
        RETURN NULL;
    END IF;
    INSERT INTO domain_event (type, product, payload)
    VALUES (kind, NEW.product, jsonb_strip_nulls(jsonb_build_object(
        'quote', NEW.id, 'customer', NEW.customer, 'review', NEW.review,
        'reason', CASE WHEN kind = 'quote.withdrawn' THEN NEW.status END)));
    RETURN NULL;
END;
$$;
CREATE TRIGGER quote_status_event AFTER UPDATE OF status ON quote
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION plaudit_quote_status();
CREATE TRIGGER quote_published_event AFTER INSERT ON quote
    FOR EACH ROW WHEN (NEW.status IN ('approved', 'published'))
    EXECUTE FUNCTION plaudit_quote_status();

CREATE FUNCTION plaudit_consent_state() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO domain_event (type, product, payload)
    SELECT 'consent.' || NEW.state, q.product, jsonb_strip_nulls(jsonb_build_object(
        'quote', q.id, 'customer', q.customer, 'placement', NEW.placement))
    FROM quote q WHERE q.id = NEW.quote;
    RETURN NULL;
END;
$$;
CREATE TRIGGER consent_state_event AFTER UPDATE OF state ON quote_consent
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state AND NEW.state IN ('granted', 'declined', 'revoked'))
    EXECUTE FUNCTION plaudit_consent_state();
