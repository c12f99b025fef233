"""Escalation to institute staff: when to hand over (policy), and the tickets that carry the
question to staff and their answer back to the user."""
