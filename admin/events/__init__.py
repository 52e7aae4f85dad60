"""Admin for events: webhook endpoints and their delivery logs."""
