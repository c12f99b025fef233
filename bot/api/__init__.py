"""The JSON API: chat (whole or streamed), conversations and "Ask institute staff", feedback,
search, health, the document view and the offline API docs."""
