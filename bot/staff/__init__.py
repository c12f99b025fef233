"""The staff console: sign-in, the ticket queue, ticket pages and the overview (HTML under
``/staff``, JSON under ``/api/staff``), and ``dualuse staff`` for accounts."""
