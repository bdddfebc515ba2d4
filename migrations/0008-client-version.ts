import type { Migration } from '../src/db/migrator.js'

// No silent overwrite: every client row carries a `version` that the database raises by one with
// every change, whoever writes (the panel, a script, a bulk update, raw SQL). A writer that wants
// its change checked names the version it read:
//   - `SET version = <the version read>` (the panel's way, beside `WHERE version = <it>`), or
//   - `SET version = <the version read> + 1 WHERE version = <it>` (Sequelize's `version: true`);
// any other value (a write based on an older version) is refused with `clients_version_stale`.
// A writer that does not mention it is applied and still counts.
// Each history entry keeps the version its change produced, so "what changed since version N, by
// whom and when" is the record's entries with a higher one.

/** The history trigger's function (migration 0005's), with or without the version column. */
const recordChange = (withVersion: boolean) => `
    CREATE OR REPLACE FUNCTION record_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
    DECLARE
      old_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) ELSE '{}'::jsonb END;
      new_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) ELSE '{}'::jsonb END;
      diff jsonb := '[]'::jsonb;
      key text;
      row_id integer;
    BEGIN
      FOR key IN SELECT jsonb_object_keys(old_row || new_row) ORDER BY 1 LOOP
        CONTINUE WHEN key IN ('id', 'created_at', 'updated_at', 'version');
        CONTINUE WHEN (old_row -> key) IS NOT DISTINCT FROM (new_row -> key);
        -- An empty value on create or delete is no information.
        CONTINUE WHEN TG_OP = 'INSERT' AND new_row -> key = 'null'::jsonb;
        CONTINUE WHEN TG_OP = 'DELETE' AND old_row -> key = 'null'::jsonb;
        IF key = 'password_hash' THEN
          -- That the password changed is history; the hash is not.
          diff := diff || jsonb_build_array(jsonb_build_object('field', 'password', 'passwordChanged', true));
        ELSE
          diff := diff || jsonb_build_array(jsonb_build_object('field', key, 'old', old_row -> key, 'new', new_row -> key));
        END IF;
      END LOOP;
      IF TG_OP = 'UPDATE' AND jsonb_array_length(diff) = 0 THEN
        RETURN NULL;
      END IF;
      row_id := coalesce(new_row ->> 'id', old_row ->> 'id')::integer;
      INSERT INTO change_history (resource, record_id, client_id, action, actor_id, actor_email, changes, operation${withVersion ? ', record_version' : ''})
      VALUES (
        TG_ARGV[0],
        row_id,
        CASE WHEN TG_ARGV[0] = 'Client' THEN row_id END,
        CASE TG_OP WHEN 'INSERT' THEN 'create' WHEN 'UPDATE' THEN 'update' ELSE 'delete' END,
        nullif(current_setting('app.actor_id', true), '')::integer,
        coalesce(nullif(current_setting('app.actor_email', true), ''), 'system'),
        diff,
        nullif(current_setting('app.operation', true), '')${withVersion ? ",\n        (new_row ->> 'version')::integer" : ''}
      );
      RETURN NULL;
    END
    $fn$;
`

export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    ALTER TABLE clients ADD COLUMN version integer NOT NULL DEFAULT 1;
    ALTER TABLE change_history ADD COLUMN record_version integer;

    CREATE FUNCTION clients_version_next() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      IF NEW.version IS DISTINCT FROM OLD.version AND NEW.version IS DISTINCT FROM OLD.version + 1 THEN
        RAISE EXCEPTION 'This client was changed by someone else since (it is at version % now): reload it', OLD.version
          USING ERRCODE = 'check_violation', CONSTRAINT = 'clients_version_stale';
      END IF;
      -- Only a real change counts (a save that changes nothing, or only updated_at, does not), so
      -- every version above 1 has exactly one history entry.
      NEW.version := CASE
        WHEN (to_jsonb(NEW) - 'version' - 'updated_at') IS DISTINCT FROM (to_jsonb(OLD) - 'version' - 'updated_at')
        THEN OLD.version + 1 ELSE OLD.version END;
      RETURN NEW;
    END
    $fn$;
    CREATE TRIGGER clients_version BEFORE UPDATE ON clients
      FOR EACH ROW EXECUTE FUNCTION clients_version_next();

    ${recordChange(true)}
  `)
}

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    ${recordChange(false)}
    DROP TRIGGER IF EXISTS clients_version ON clients;
    DROP FUNCTION IF EXISTS clients_version_next();
    ALTER TABLE change_history DROP COLUMN record_version;
    ALTER TABLE clients DROP COLUMN version;
  `)
}
