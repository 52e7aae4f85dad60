"""People: customers and their lifecycle signals, the senders mail goes out from, and
erasure on request (erased addresses kept only as digests)."""
