-- API contract (issue 12): what the new GraphQL lists filter and page on.

-- asks(filter: {campaign}) pages by id within a campaign.
CREATE INDEX IF NOT EXISTS ask_campaign_id_idx ON ask (campaign, id);
