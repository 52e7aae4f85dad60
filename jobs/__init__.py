"""arq adapters: jobs take ids, re-fetch, call the domain, and are idempotent."""
