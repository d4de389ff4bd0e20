"""Database triggers for the network's rules that span tables (see migration 0002).

An actor's code and a flow type's code belong to the actor's (flow type's) project;
a relation's source actor, target actor and flow type belong to the project of its
coding's document. ``CheckConstraint`` cannot look into other tables, so triggers do,
on PostgreSQL and SQLite alike (the services check first, with readable messages).

As with ``coding.db_rules``: on SQLite a migration that rebuilds ``network_actor``,
``network_flowtype`` or ``network_relation`` must start with
``migrations.RunPython(uninstall, install)`` and end with
``migrations.RunPython(install, uninstall)``.
"""

from coding.db_rules import execute_for_vendor, sqlite_row_triggers

POSTGRES_FORWARD = r"""
CREATE OR REPLACE FUNCTION network_coded_rules() RETURNS trigger AS $$
BEGIN
  IF NEW.project_id IS DISTINCT FROM
     (SELECT project_id FROM coding_code WHERE id = NEW.code_id) THEN
    RAISE EXCEPTION 'the code belongs to another project'
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS network_actor_rules ON network_actor;
CREATE TRIGGER network_actor_rules BEFORE INSERT OR UPDATE ON network_actor
  FOR EACH ROW EXECUTE FUNCTION network_coded_rules();
DROP TRIGGER IF EXISTS network_flowtype_rules ON network_flowtype;
CREATE TRIGGER network_flowtype_rules BEFORE INSERT OR UPDATE ON network_flowtype
  FOR EACH ROW EXECUTE FUNCTION network_coded_rules();

CREATE OR REPLACE FUNCTION network_relation_rules() RETURNS trigger AS $$
DECLARE coding_project bigint;
BEGIN
  SELECT d.project_id INTO coding_project
    FROM coding_coding c JOIN coding_document d ON d.id = c.document_id
   WHERE c.id = NEW.coding_id;
  IF coding_project IS DISTINCT FROM
       (SELECT project_id FROM network_actor WHERE id = NEW.source_actor_id)
     OR coding_project IS DISTINCT FROM
       (SELECT project_id FROM network_actor WHERE id = NEW.target_actor_id)
     OR coding_project IS DISTINCT FROM
       (SELECT project_id FROM network_flowtype WHERE id = NEW.flow_id) THEN
    RAISE EXCEPTION 'a relation''s actors and flow type belong to its coding''s project'
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS network_relation_rules ON network_relation;
CREATE TRIGGER network_relation_rules BEFORE INSERT OR UPDATE ON network_relation
  FOR EACH ROW EXECUTE FUNCTION network_relation_rules();
"""

POSTGRES_BACKWARD = """
DROP TRIGGER IF EXISTS network_actor_rules ON network_actor;
DROP TRIGGER IF EXISTS network_flowtype_rules ON network_flowtype;
DROP FUNCTION IF EXISTS network_coded_rules();
DROP TRIGGER IF EXISTS network_relation_rules ON network_relation;
DROP FUNCTION IF EXISTS network_relation_rules();
"""

_SQLITE_CODED_BODY = """
BEGIN
  SELECT RAISE(ABORT, 'the code belongs to another project')
    WHERE NEW.project_id IS NOT (SELECT project_id FROM coding_code WHERE id = NEW.code_id);
END;
"""
_SQLITE_RELATION_BODY = """
BEGIN
  SELECT RAISE(ABORT, 'a relation''s actors and flow type belong to its coding''s project')
    WHERE (SELECT d.project_id FROM coding_coding c JOIN coding_document d
             ON d.id = c.document_id WHERE c.id = NEW.coding_id)
          IS NOT (SELECT project_id FROM network_actor WHERE id = NEW.source_actor_id)
       OR (SELECT d.project_id FROM coding_coding c JOIN coding_document d
             ON d.id = c.document_id WHERE c.id = NEW.coding_id)
          IS NOT (SELECT project_id FROM network_actor WHERE id = NEW.target_actor_id)
       OR (SELECT d.project_id FROM coding_coding c JOIN coding_document d
             ON d.id = c.document_id WHERE c.id = NEW.coding_id)
          IS NOT (SELECT project_id FROM network_flowtype WHERE id = NEW.flow_id);
END;
"""

_RULES = [
    sqlite_row_triggers("network_actor_rules", "network_actor", _SQLITE_CODED_BODY),
    sqlite_row_triggers(
        "network_flowtype_rules", "network_flowtype", _SQLITE_CODED_BODY
    ),
    sqlite_row_triggers(
        "network_relation_rules", "network_relation", _SQLITE_RELATION_BODY
    ),
]
SQLITE_FORWARD = [statement for create, _ in _RULES for statement in create]
SQLITE_BACKWARD = [statement for _, drop in _RULES for statement in drop]


def install(apps, schema_editor) -> None:
    execute_for_vendor(
        schema_editor, {"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}
    )


def uninstall(apps, schema_editor) -> None:
    execute_for_vendor(
        schema_editor, {"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}
    )
