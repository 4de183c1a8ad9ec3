"""The secret gate in the database: a link row must carry its material's classification, and marking a
material secret revokes all its links in the same statement (see materials/models.py)."""

from django.db import migrations

PG_FORWARD = """
CREATE FUNCTION materials_sharelink_guard() RETURNS trigger AS $$
BEGIN
  IF NEW.material_classification IS DISTINCT FROM
     (SELECT classification FROM materials_material WHERE id = NEW.material_id) THEN
    RAISE EXCEPTION 'share link classification differs from its material' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER materials_sharelink_guard BEFORE INSERT OR UPDATE ON materials_sharelink
  FOR EACH ROW EXECUTE FUNCTION materials_sharelink_guard();

CREATE FUNCTION materials_material_classify() RETURNS trigger AS $$
BEGIN
  UPDATE materials_sharelink
     SET material_classification = NEW.classification,
         revoked_at = CASE WHEN NEW.classification = 'secret' THEN COALESCE(revoked_at, now()) ELSE revoked_at END
   WHERE material_id = NEW.id;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER materials_material_classify AFTER UPDATE OF classification ON materials_material
  FOR EACH ROW WHEN (OLD.classification IS DISTINCT FROM NEW.classification)
  EXECUTE FUNCTION materials_material_classify();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS materials_material_classify ON materials_material;
DROP FUNCTION IF EXISTS materials_material_classify();
DROP TRIGGER IF EXISTS materials_sharelink_guard ON materials_sharelink;
DROP FUNCTION IF EXISTS materials_sharelink_guard();
"""
SQLITE_FORWARD = [
    """CREATE TRIGGER materials_sharelink_guard_insert BEFORE INSERT ON materials_sharelink
       WHEN NEW.material_classification IS NOT (SELECT classification FROM materials_material WHERE id = NEW.material_id)
       BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: share link classification differs from its material'); END""",
    """CREATE TRIGGER materials_sharelink_guard_update BEFORE UPDATE ON materials_sharelink
       WHEN NEW.material_classification IS NOT (SELECT classification FROM materials_material WHERE id = NEW.material_id)
       BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: share link classification differs from its material'); END""",
    """CREATE TRIGGER materials_material_classify AFTER UPDATE OF classification ON materials_material
       WHEN OLD.classification IS NOT NEW.classification
       BEGIN
         UPDATE materials_sharelink
            SET material_classification = NEW.classification,
                revoked_at = CASE WHEN NEW.classification = 'secret'
                                  THEN COALESCE(revoked_at, strftime('%Y-%m-%d %H:%M:%f', 'now')) ELSE revoked_at END
          WHERE material_id = NEW.id;
       END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS materials_material_classify",
    "DROP TRIGGER IF EXISTS materials_sharelink_guard_update",
    "DROP TRIGGER IF EXISTS materials_sharelink_guard_insert",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)
    else:  # pragma: no cover - only the two supported databases
        raise RuntimeError("The secret gate needs PostgreSQL or SQLite triggers.")


def reverse(apps, schema_editor):
    statements = [PG_REVERSE] if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("materials", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse)]
