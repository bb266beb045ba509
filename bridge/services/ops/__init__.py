"""Running the bridge unattended: the daemon's heartbeat and housekeeping, deadline
reminders, the scheduled retention pass and the figures its metrics report.

The daemon's jobs (``jobs/``) only schedule these functions; everything they decide or
read from the register lives here, so it can be tested and reused without a scheduler.
"""
