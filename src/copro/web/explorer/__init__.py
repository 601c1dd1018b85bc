"""The explorer: the audit's findings for England and every local authority, as web pages."""
