"""Rules that span tables, enforced by the database itself: plpgsql triggers.

An actor's code and a flow type's code belong to the actor's (flow type's) project;
a relation's source actor, target actor and flow type belong to the project of its
coding's document. ``CheckConstraint`` cannot look into other tables, so triggers do
(the services check first, with readable messages).

Frozen SQL: this migration never imports today's code, so it runs the same forever.
"""

from django.db import migrations

FORWARD = r"""
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

BACKWARD = """
DROP TRIGGER IF EXISTS network_actor_rules ON network_actor;
DROP TRIGGER IF EXISTS network_flowtype_rules ON network_flowtype;
DROP FUNCTION IF EXISTS network_coded_rules();
DROP TRIGGER IF EXISTS network_relation_rules ON network_relation;
DROP FUNCTION IF EXISTS network_relation_rules();
"""


class Migration(migrations.Migration):
    dependencies = [("network", "0001_initial")]

    operations = [migrations.RunSQL([FORWARD], [BACKWARD])]
