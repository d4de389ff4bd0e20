"""Sessions in the database, saved in one statement.

Django's database store wraps every save in ``transaction.atomic``: under
autocommit (every request here) that is ``BEGIN``, ``UPDATE``, ``COMMIT``, three
round trips to PostgreSQL, when the document page's undo stack (kept in the
session) changes on each coding. An existing session is saved with a single
``UPDATE`` instead, which is atomic by itself; creating one (``INSERT``, where the
atomic block catches a clashing key) is left to Django.
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import UpdateError
from django.db import router


class SessionStore(db.SessionStore):
    def save(self, must_create: bool = False) -> None:
        if must_create or self.session_key is None:
            return super().save(must_create=must_create)
        obj = self.create_model_instance(self._get_session())
        using = router.db_for_write(self.model, instance=obj)
        updated = (
            self.model._default_manager.db_manager(using)
            .filter(session_key=obj.session_key)
            .update(session_data=obj.session_data, expire_date=obj.expire_date)
        )
        if not updated:  # the session was deleted meanwhile, as Django's store says
            raise UpdateError
        return None
