"""The shared core: who acts (actors), the database pool and safe transactions, keyset pages,
batch results, the outbox, signed link tokens, the URL rule and mail mailboxes."""
