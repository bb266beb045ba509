"""lms-registry-bridge: a GDPR customer register kept in step with an LMS."""

__version__ = "0.1.0"
