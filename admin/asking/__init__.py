"""Asking in the console: campaign views and forms, tasks."""
