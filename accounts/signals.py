"""Signals accounts sends so that apps above it can join in without accounts importing them."""

from django.dispatch import Signal

# Sent by ``manage.py demo_data`` after the demo users exist, so each app adds its own demo data.
# Keyword arguments:
#   users:  dict with the demo ``User`` objects under "learner", "trainer" and "admin"
#   stdout: a writable stream (the command's output) for a line about what was added
# Receivers must be idempotent: the command may run on every start.
demo_data_requested = Signal()
