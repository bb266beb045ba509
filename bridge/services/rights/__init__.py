"""Data-subject rights and governance (N4, N10, N11): consent, erasure, access export,
rectification, requests, marketing, legal holds and retention. What a right does to course
access (revoking, restoring, suppressing) is ``bridge.services.access``."""
