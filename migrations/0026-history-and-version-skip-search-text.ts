import type { Migration } from '../src/db/migrator.js'
import { up as cheaperPerRow } from './0025-history-and-version-cheaper-per-row.js'

// The next migration stores each row's search text in a generated column, `search_text` (issue
// #26: src/fields/model.ts SEARCH_TEXT_COLUMN). It is no field: the history trigger must not list
// it as a change, and the version triggers must not count it as one. In a BEFORE trigger NEW holds
// NULL for a stored generated column (PostgreSQL computes it after), so without this every save,
// even one that changes nothing, would raise the version. Otherwise migration 0025's functions,
// unchanged.

/** Migration 0025's version trigger function, the search text set alike in both rows. */
const versionNext = (name: string, refusal: string, constraint: string) => `
    CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      IF NEW.version IS DISTINCT FROM OLD.version AND NEW.version IS DISTINCT FROM OLD.version + 1 THEN
        RAISE EXCEPTION '${refusal}', OLD.version
          USING ERRCODE = 'check_violation', CONSTRAINT = ${constraint};
      END IF;
      NEW.version := CASE
        -- A key the table has no column for is ignored, so this serves a table without updated_at or search_text too.
        WHEN jsonb_populate_record(NEW, '{"version": 0, "updated_at": null, "search_text": null}')
             IS DISTINCT FROM jsonb_populate_record(OLD, '{"version": 0, "updated_at": null, "search_text": null}')
        THEN OLD.version + 1 ELSE OLD.version END;
      RETURN NEW;
    END
    $fn$;
`

export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    ${versionNext('clients_version_next', 'This client was changed by someone else since (it is at version % now): reload it', `'clients_version_stale'`)}
    ${versionNext('record_version_next', 'This record was changed by someone else since (it is at version % now): reload it', `TG_TABLE_NAME || '_version_stale'`)}

    CREATE OR REPLACE FUNCTION record_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
    DECLARE
      old_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) ELSE '{}'::jsonb END;
      new_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) ELSE '{}'::jsonb END;
      diff jsonb;
      row_id integer;
    BEGIN
      SELECT coalesce(
               jsonb_agg(
                 CASE WHEN key = 'password_hash'
                      -- That the password changed is history; the hash is not.
                      THEN jsonb_build_object('field', 'password', 'passwordChanged', true)
                      ELSE jsonb_build_object('field', key, 'old', old_row -> key, 'new', new_row -> key) END
                 ORDER BY key),
               '[]'::jsonb)
        INTO diff
        FROM jsonb_object_keys(CASE WHEN TG_OP = 'DELETE' THEN old_row ELSE new_row END) AS key
       WHERE key NOT IN ('id', 'created_at', 'updated_at', 'version', 'search_text')
         AND (old_row -> key) IS DISTINCT FROM (new_row -> key)
         -- An empty value on create or delete is no information.
         AND NOT (TG_OP = 'INSERT' AND new_row -> key = 'null'::jsonb)
         AND NOT (TG_OP = 'DELETE' AND old_row -> key = 'null'::jsonb);
      IF TG_OP = 'UPDATE' AND diff = '[]'::jsonb THEN
        RETURN NULL;
      END IF;
      row_id := coalesce(new_row ->> 'id', old_row ->> 'id')::integer;
      WITH entry AS (
        INSERT INTO change_history (resource, record_id, client_id, action, actor_id, actor_email, changes, operation, record_version)
        VALUES (
          TG_ARGV[0],
          row_id,
          CASE WHEN TG_ARGV[0] = 'Client' THEN row_id
               WHEN TG_NARGS > 1 THEN coalesce(new_row ->> TG_ARGV[1], old_row ->> TG_ARGV[1])::integer END,
          CASE TG_OP WHEN 'INSERT' THEN 'create' WHEN 'UPDATE' THEN 'update' ELSE 'delete' END,
          nullif(current_setting('app.actor_id', true), '')::integer,
          coalesce(nullif(current_setting('app.actor_email', true), ''), 'system'),
          diff,
          nullif(current_setting('app.operation', true), ''),
          (new_row ->> 'version')::integer
        )
        RETURNING id, created_at
      )
      -- A client's change belongs to its manager after the change; a deleted client has none.
      INSERT INTO client_change_owners (change_id, manager_id, created_at)
        SELECT id, (new_row ->> 'manager_id')::integer, created_at FROM entry WHERE TG_ARGV[0] = 'Client' AND TG_OP <> 'DELETE';
      RETURN NULL;
    END
    $fn$;
  `)
}

// Migration 0025's functions again (its owner trigger is as it left it).
export const down: Migration = cheaperPerRow
