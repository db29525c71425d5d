"""Logging filters (settings.LOGGING)."""

from __future__ import annotations

import logging


class RoutineRefusalsWithoutTraceback(logging.Filter):
    """A 4xx answer is one warning line, never a traceback.

    Django logs a PermissionDenied (403) or a bad request (400) on `django.request` with the
    exception's traceback attached. Those are routine refusals — a viewer pressing a button their
    role does not allow — not faults: the line "Forbidden (Permission denied): /path" and the
    reason say everything. 5xx records keep their traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and 400 <= status < 500 and record.exc_info:
            reason = record.exc_info[1]
            if reason is not None and str(reason):
                record.msg = f"{record.msg} ({str(reason).replace('%', '%%')})"
            record.exc_info = None
            record.exc_text = None
        return True
