"""Sessions in the database, read and saved by one prepared statement each.

Every page request reads its session, and the document page's undo stack (kept in
the session) changes on each coding. Django's database store compiles a query
for the read and wraps every save in ``transaction.atomic``: under autocommit
(every request here) that is ``BEGIN``, ``UPDATE``, ``COMMIT``, three round trips
to PostgreSQL. Here an existing session is read and saved with one prepared
statement each (a single ``UPDATE`` is atomic by itself); creating one
(``INSERT``, where the atomic block catches a clashing key) is left to Django.
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.models import Session
from django.utils import timezone

from regie_site import sql

_LOAD = (
    f"SELECT session_data, expire_date FROM {sql.table(Session)} "
    "WHERE session_key = %s AND expire_date > %s"
)
_SAVE = (
    f"UPDATE {sql.table(Session)} SET session_data = %s, expire_date = %s "
    "WHERE session_key = %s"
)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        if self.session_key is None:
            return None
        with sql.prepared_cursor() as cursor:
            cursor.execute(_LOAD, [self.session_key, timezone.now()])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return self.model(
            session_key=self.session_key, session_data=row[0], expire_date=row[1]
        )

    def save(self, must_create: bool = False) -> None:
        if must_create or self.session_key is None:
            return super().save(must_create=must_create)
        obj = self.create_model_instance(self._get_session())
        with sql.prepared_cursor() as cursor:
            cursor.execute(_SAVE, [obj.session_data, obj.expire_date, obj.session_key])
            updated = cursor.rowcount
        if not updated:  # the session was deleted meanwhile, as Django's store says
            raise UpdateError
        return None
