"""Course access in the LMS (N3): who loses it and when, who gets it back, and who keeps
it and why. Consent, erasure, the sync, the intake and the daemon's jobs all decide
access here; this room stands below them and imports none of them, only the register
(``bridge.services.register``) and the outbox (``bridge.services.push``)."""
