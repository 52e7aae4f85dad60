-- Issue 14: follow-ups count in the campaign's caps; placing one reads the campaign's mails of a
-- week around its due time (models/asking/follow_ups.py caps_used) — by index, not by scanning
-- every ask of a large campaign at each send.
CREATE INDEX IF NOT EXISTS ask_campaign_planned_idx ON ask (campaign, planned_at);
CREATE INDEX IF NOT EXISTS ask_touch_follow_up_idx ON ask_touch (scheduled_at) WHERE seq > 0;
