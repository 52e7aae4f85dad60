"""People over GraphQL: customers (and erasure), signals, senders."""
