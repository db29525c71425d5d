"""Exports: the claim rows read in chunks (claims), the formats that write them (formats/, pure),
the streams that join the two (streams) and the audit trail export (audit)."""
