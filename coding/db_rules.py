"""Database triggers for rules that span tables (see migration 0002).

Django's CheckConstraint cannot look into another table, so triggers keep: a coding's
and a turn's end within their document's text, a coding's code and document in one
project, a code's parent in the code's project, and a document's text from shrinking
under existing codings. Both PostgreSQL and SQLite get them.

SQLite rebuilds a table for many ALTERs and loses (or trips over) triggers on the way:
every migration that alters ``coding_coding``, ``coding_document``, ``coding_code`` or
``coding_speakerturn`` must start with ``migrations.RunPython(uninstall, install)``
and end with ``migrations.RunPython(install, uninstall)`` (both idempotent).
"""

POSTGRES_FORWARD = r"""
CREATE OR REPLACE FUNCTION coding_coding_rules() RETURNS trigger AS $$
DECLARE doc_length integer; doc_project bigint; code_project bigint;
BEGIN
  SELECT length, project_id INTO doc_length, doc_project
    FROM coding_document WHERE id = NEW.document_id;
  SELECT project_id INTO code_project FROM coding_code WHERE id = NEW.code_id;
  IF NEW."end" > doc_length THEN
    RAISE EXCEPTION 'coding end lies beyond the document length'
      USING ERRCODE = 'check_violation';
  END IF;
  IF code_project IS DISTINCT FROM doc_project THEN
    RAISE EXCEPTION 'code and document belong to different projects'
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS coding_coding_rules ON coding_coding;
CREATE TRIGGER coding_coding_rules BEFORE INSERT OR UPDATE ON coding_coding
  FOR EACH ROW EXECUTE FUNCTION coding_coding_rules();

CREATE OR REPLACE FUNCTION coding_speakerturn_rules() RETURNS trigger AS $$
BEGIN
  IF NEW."end" > (SELECT length FROM coding_document WHERE id = NEW.document_id) THEN
    RAISE EXCEPTION 'turn end lies beyond the document length' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS coding_speakerturn_rules ON coding_speakerturn;
CREATE TRIGGER coding_speakerturn_rules BEFORE INSERT OR UPDATE ON coding_speakerturn
  FOR EACH ROW EXECUTE FUNCTION coding_speakerturn_rules();

CREATE OR REPLACE FUNCTION coding_code_rules() RETURNS trigger AS $$
BEGIN
  IF NEW.parent_id IS NOT NULL AND NEW.project_id IS DISTINCT FROM
     (SELECT project_id FROM coding_code WHERE id = NEW.parent_id) THEN
    RAISE EXCEPTION 'a code and its parent belong to different projects'
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS coding_code_rules ON coding_code;
CREATE TRIGGER coding_code_rules BEFORE INSERT OR UPDATE ON coding_code
  FOR EACH ROW EXECUTE FUNCTION coding_code_rules();

CREATE OR REPLACE FUNCTION coding_document_rules() RETURNS trigger AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM coding_coding WHERE document_id = NEW.id AND "end" > NEW.length)
     OR EXISTS (SELECT 1 FROM coding_speakerturn WHERE document_id = NEW.id AND "end" > NEW.length) THEN
    RAISE EXCEPTION 'the text is shorter than existing codings or turns'
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS coding_document_rules ON coding_document;
CREATE TRIGGER coding_document_rules BEFORE UPDATE OF length ON coding_document
  FOR EACH ROW EXECUTE FUNCTION coding_document_rules();
"""

POSTGRES_BACKWARD = """
DROP TRIGGER IF EXISTS coding_coding_rules ON coding_coding;
DROP FUNCTION IF EXISTS coding_coding_rules();
DROP TRIGGER IF EXISTS coding_speakerturn_rules ON coding_speakerturn;
DROP FUNCTION IF EXISTS coding_speakerturn_rules();
DROP TRIGGER IF EXISTS coding_code_rules ON coding_code;
DROP FUNCTION IF EXISTS coding_code_rules();
DROP TRIGGER IF EXISTS coding_document_rules ON coding_document;
DROP FUNCTION IF EXISTS coding_document_rules();
"""

_SQLITE_CODING_BODY = """
BEGIN
  SELECT RAISE(ABORT, 'coding end lies beyond the document length')
    WHERE NEW."end" > (SELECT length FROM coding_document WHERE id = NEW.document_id);
  SELECT RAISE(ABORT, 'code and document belong to different projects')
    WHERE (SELECT project_id FROM coding_code WHERE id = NEW.code_id)
       IS NOT (SELECT project_id FROM coding_document WHERE id = NEW.document_id);
END;
"""
_SQLITE_TURN_BODY = """
BEGIN
  SELECT RAISE(ABORT, 'turn end lies beyond the document length')
    WHERE NEW."end" > (SELECT length FROM coding_document WHERE id = NEW.document_id);
END;
"""
_SQLITE_CODE_BODY = """
BEGIN
  SELECT RAISE(ABORT, 'a code and its parent belong to different projects')
    WHERE NEW.parent_id IS NOT NULL
      AND NEW.project_id IS NOT (SELECT project_id FROM coding_code WHERE id = NEW.parent_id);
END;
"""


def execute_for_vendor(schema_editor, statements_by_vendor: dict) -> None:
    """Run the statements written for this database (also used by ``network``)."""
    vendor = schema_editor.connection.vendor
    statements = statements_by_vendor.get(vendor)
    if statements is None:
        raise RuntimeError(f"Regie supports PostgreSQL and SQLite, not {vendor}.")
    if isinstance(statements, str):
        statements = [statements]
    for statement in statements:
        schema_editor.execute(statement)


def sqlite_row_triggers(
    name: str, table: str, body: str
) -> tuple[list[str], list[str]]:
    """SQLite has no ``INSERT OR UPDATE`` triggers: the pair of ``CREATE`` statements
    for a rule, and the pair of ``DROP`` statements that remove it."""
    create = [
        f"CREATE TRIGGER IF NOT EXISTS {name}_{event.lower()} BEFORE {event} ON {table} {body}"
        for event in ("INSERT", "UPDATE")
    ]
    drop = [f"DROP TRIGGER IF EXISTS {name}_{event}" for event in ("insert", "update")]
    return create, drop


SQLITE_DOCUMENT_RULE = """CREATE TRIGGER IF NOT EXISTS coding_document_rules
    BEFORE UPDATE OF length ON coding_document
    BEGIN
      SELECT RAISE(ABORT, 'the text is shorter than existing codings or turns')
        WHERE EXISTS (SELECT 1 FROM coding_coding WHERE document_id = NEW.id AND "end" > NEW.length)
           OR EXISTS (SELECT 1 FROM coding_speakerturn WHERE document_id = NEW.id AND "end" > NEW.length);
    END;"""


def _sqlite_statements() -> tuple[list[str], list[str]]:
    rules = [
        sqlite_row_triggers(
            "coding_coding_rules", "coding_coding", _SQLITE_CODING_BODY
        ),
        sqlite_row_triggers(
            "coding_speakerturn_rules", "coding_speakerturn", _SQLITE_TURN_BODY
        ),
        sqlite_row_triggers("coding_code_rules", "coding_code", _SQLITE_CODE_BODY),
    ]
    forward = [statement for create, _ in rules for statement in create]
    backward = [statement for _, drop in rules for statement in drop]
    forward.append(SQLITE_DOCUMENT_RULE)
    backward.append("DROP TRIGGER IF EXISTS coding_document_rules")
    return forward, backward


SQLITE_FORWARD, SQLITE_BACKWARD = _sqlite_statements()


def install(apps, schema_editor) -> None:
    execute_for_vendor(
        schema_editor, {"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}
    )


def uninstall(apps, schema_editor) -> None:
    execute_for_vendor(
        schema_editor, {"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}
    )
