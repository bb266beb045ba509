"""Pushing register decisions back to the LMS: the transactional outbox, the worker
that applies and verifies commands, and drift enforcement."""
