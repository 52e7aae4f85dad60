"""Access in the console: token forms, audit hooks, multi-factor sign-in, the hardening
around Piccolo Admin (proxies, headers, CSV export)."""
