import type { Migration } from '../src/db/migrator.js'
import { up as diffInOneStatement } from './0021-history-diff-in-one-statement.js'

// What every changed row pays in the database, made cheaper (issue #25): a bulk edit's UPDATE of
// 1,000 clients spent ~320 ms (quiet machine) in its triggers and indexes, while everyone else's
// lists waited for the core it held. The same history entries, owner rows and versions as before:
//   - The version triggers compared two to_jsonb() of the whole row (~45 ms per 1,000 rows): now
//     the two rows themselves, with version and updated_at set alike (~5 ms). Columns compare by
//     their type's equality, as the jsonb values did (1.0 = 1.00, arrays element by element).
//   - The history trigger listed the keys of `old || new`, a third jsonb built per row; an UPDATE's
//     two rows have the same keys, so the keys of the row that exists (~20 ms).
//   - A client's entry noted its owner through change_history's trigger, which looked the client up
//     with a statement planned at every call (migration 0023; ~35 ms): record_change has the row
//     and writes the owner row itself, with the entry. The trigger still notes the owner of any
//     other entry that names a client (a sender name's), by looking the client up as before.

/** The owner trigger on change_history, for the entries it looks the client up for. */
const ownerTrigger = (when: string) => `
    DROP TRIGGER change_history_client_owner ON change_history;
    CREATE TRIGGER change_history_client_owner AFTER INSERT ON change_history
      FOR EACH ROW WHEN (${when}) EXECUTE FUNCTION client_change_owner();
`

type VersionCompare = 'rows' | 'jsonb'

/**
 * A version trigger function: refuses a write naming an older version, and raises the version by
 * one when anything but the version and updated_at changed (so a save that changes nothing does
 * not count, and every version above 1 has exactly one history entry).
 */
const versionNext = (name: string, refusal: string, constraint: string, compare: VersionCompare, alike: string[]) => `
    CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      IF NEW.version IS DISTINCT FROM OLD.version AND NEW.version IS DISTINCT FROM OLD.version + 1 THEN
        RAISE EXCEPTION '${refusal}', OLD.version
          USING ERRCODE = 'check_violation', CONSTRAINT = ${constraint};
      END IF;
      NEW.version := CASE
        WHEN ${
          compare === 'rows'
            ? // A key the table has no column for is ignored, so this serves a table without updated_at too.
              `jsonb_populate_record(NEW, '${aliked(alike)}') IS DISTINCT FROM jsonb_populate_record(OLD, '${aliked(alike)}')`
            : `(to_jsonb(NEW) - 'version' - 'updated_at') IS DISTINCT FROM (to_jsonb(OLD) - 'version' - 'updated_at')`
        }
        THEN OLD.version + 1 ELSE OLD.version END;
      RETURN NEW;
    END
    $fn$;
`

/** The columns, besides the version, set alike in both rows before they are compared: no change of theirs counts. */
const aliked = (columns: string[]) => JSON.stringify({ version: 0, ...Object.fromEntries(columns.map((column) => [column, null])) })

/** Both version trigger functions; `alike`: the columns besides the version that no change counts for ('rows' only). */
export const versionFunctions = (compare: VersionCompare, alike = ['updated_at']) => `
    ${versionNext('clients_version_next', 'This client was changed by someone else since (it is at version % now): reload it', `'clients_version_stale'`, compare, alike)}
    ${versionNext('record_version_next', 'This record was changed by someone else since (it is at version % now): reload it', `TG_TABLE_NAME || '_version_stale'`, compare, alike)}
`

/** The history trigger function; `notFields`: the row's keys that are no field, never listed as a change. */
export const recordChange = (notFields = ['id', 'created_at', 'updated_at', 'version']) => `
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
       WHERE key NOT IN (${notFields.map((key) => `'${key}'`).join(', ')})
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
`

export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    ${versionFunctions('rows')}

    ${recordChange()}

    ${ownerTrigger(`NEW.client_id IS NOT NULL AND NEW.resource <> 'Client'`)}
  `)
}

export const down: Migration = async (params) => {
  await params.context.sequelize.query(`
    ${versionFunctions('jsonb')}
    ${ownerTrigger('NEW.client_id IS NOT NULL')}
  `)
  await diffInOneStatement(params)
}
