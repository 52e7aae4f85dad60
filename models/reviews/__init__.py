"""Reviews in: the Review and Improvement tables, intake from every channel (GraphQL, CSV
files, webhooks), the lanes a review is routed into, themes, and read queries."""
