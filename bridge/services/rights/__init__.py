"""Data-subject rights and governance (N4, N10, N11): consent, erasure, access export,
rectification, requests, marketing, legal holds, retention and suppression."""
