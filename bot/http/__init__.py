"""What every web surface shares (the JSON API, the staff console, the web chat, Slack's
endpoint): typed dependencies on the app's components, the request/response contract (error
models, text rules), error handlers, middleware, rate limits and the document page. It imports
no surface, so the surfaces depend on it and never on each other."""
