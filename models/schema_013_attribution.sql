-- Issue 14: per-profile tracking on the review link (UTM parameters, a reference), so what a
-- platform's export carries back names the ask (models/asking/attribution.py).
ALTER TABLE platform_profile ADD COLUMN tracking jsonb NOT NULL DEFAULT '{}'
    CHECK (jsonb_typeof(tracking) = 'object');
