"""Accounts for a national service: invitations by email, two factors (TOTP and recovery
codes) for everyone who can read free text, password resets, hand-overs, and the audit log."""
