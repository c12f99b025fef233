"""Dual-Use Desk: the answer engine, escalation and the store, and the surfaces over them (the
JSON API, the web chat, the staff console, Slack, the `dualuse` CLI), wired in `bot/wiring.py`
and assembled in `bot/app.py`."""
