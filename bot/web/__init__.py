"""The startup-facing web chat: one page at `/` and its static assets, served by the app."""
