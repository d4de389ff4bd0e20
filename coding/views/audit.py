"""Being written in this change (a helper fills this module)."""

from django.http import HttpResponse


def _pending(*args, **kwargs):
    return HttpResponse(status=501)


audit = audit_restore = _pending
