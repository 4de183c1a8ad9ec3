"""Portal-wide Celery tasks.

``ping`` is the smallest real task: it proves that a worker is running, consumes the broker and
writes to the same database as the web process. The test suite's ``celery_worker`` fixture uses it;
in production, ``ping.delay("check")`` followed by a look at the audit trail answers "are the workers
alive and on the right database?".
"""

from __future__ import annotations

import os
import socket

from celery import shared_task

from organisations.models import AuditEntry

PING_ACTION = "worker_ping"


@shared_task
def ping(token: str) -> int:
    """Record an audit entry naming the host and process that ran this task; return that process id.

    Idempotent: a second delivery of the same token changes nothing.
    """
    pid = os.getpid()
    host = socket.gethostname()
    AuditEntry.objects.get_or_create(
        action=PING_ACTION,
        target_type="portal.worker",
        target_id=token[:64],
        defaults={"target_repr": f"{host} pid {pid}"[:255], "changes": {"pid": pid, "host": host}},
    )
    return pid
