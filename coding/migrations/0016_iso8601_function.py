"""``regie_iso8601(timestamptz, zone)``: a time as the API writes it, made in SQL.

The API's lists of codings carry two times per row; parsing them into Python
datetimes and formatting them back took longer than everything else of a
transcript's codings. PostgreSQL formats them instead, exactly as DRF's
``DateTimeField`` does: ISO 8601 in the given zone, microseconds only when not
zero, ``Z`` for UTC.
"""

from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION regie_iso8601(at timestamptz, zone text)
RETURNS text LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    local timestamp := at AT TIME ZONE zone;
    offset_s int := extract(epoch FROM local - (at AT TIME ZONE 'UTC'))::int;
BEGIN
    RETURN replace(to_char(local, 'YYYY-MM-DD"T"HH24:MI:SS.US'), '.000000', '')
        || CASE WHEN offset_s = 0 THEN 'Z'
           ELSE to_char(offset_s / 3600, 'SG00') || ':'
               || to_char(abs(offset_s) / 60 % 60, 'FM00') END;
END
$$;
"""

DROP = "DROP FUNCTION IF EXISTS regie_iso8601(timestamptz, text);"


class Migration(migrations.Migration):
    dependencies = [("coding", "0015_document_import_job")]

    operations = [migrations.RunSQL(CREATE, DROP)]
