"""Admin for native intake: connected providers and what they sent."""
