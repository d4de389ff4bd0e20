"""Rules that span tables, enforced by the database itself: plpgsql triggers.

Django's CheckConstraint cannot look into another table, so triggers keep: a coding's
and a turn's end within their document's text, a coding's code and document in one
project, a code's parent in the code's project, and a document's text from shrinking
under existing codings.

Frozen SQL: this migration never imports today's code, so it runs the same forever.
"""

from django.db import migrations

FORWARD = r"""
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

BACKWARD = """
DROP TRIGGER IF EXISTS coding_coding_rules ON coding_coding;
DROP FUNCTION IF EXISTS coding_coding_rules();
DROP TRIGGER IF EXISTS coding_speakerturn_rules ON coding_speakerturn;
DROP FUNCTION IF EXISTS coding_speakerturn_rules();
DROP TRIGGER IF EXISTS coding_code_rules ON coding_code;
DROP FUNCTION IF EXISTS coding_code_rules();
DROP TRIGGER IF EXISTS coding_document_rules ON coding_document;
DROP FUNCTION IF EXISTS coding_document_rules();
"""


class Migration(migrations.Migration):
    dependencies = [("coding", "0001_initial")]

    operations = [migrations.RunSQL([FORWARD], [BACKWARD])]
