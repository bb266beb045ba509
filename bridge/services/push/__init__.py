"""Pushing register decisions back to the LMS: the transactional outbox and the worker
that applies and verifies commands. What to push about access is decided in
``bridge.services.access``."""
