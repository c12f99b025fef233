"""Dual-Use Desk application: configuration, CLI, HTTP API and (later) chat channels."""
