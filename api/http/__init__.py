"""HTTP around the API: request ids and metrics, rate limits, security headers, bounded JSON bodies."""
