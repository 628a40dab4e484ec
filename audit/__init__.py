"""Audit log: logins, failed logins, imports and data changes, readable by admins."""
