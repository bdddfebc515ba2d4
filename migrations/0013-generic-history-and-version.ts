import type { Migration } from '../src/db/migrator.js'

// What the generated migrations of any resource call, written once: the migration generator emits
// `CREATE TRIGGER <table>_history … record_change('<Resource>'[, '<owner column>'])` for a
// definition with `history: true` and `CREATE TRIGGER <table>_version … record_version_next()`
// for one with a version field (src/schema/desired.ts).
//   - record_change takes an optional second argument: the column through which the row is owned
//     by a client (a sender name's client_id). Its entries then carry that client, so the client's
//     manager reads them (access/history-visible-to.ts) and they reach the manager's home page
//     (client_change_owners now records every entry that names a client, not only a client's own).
//   - record_version_next() is migration 0008's clients_version_next() for any table: the row's
//     version grows by one with every real change, and a write naming an older one is refused
//     with `<table>_version_stale`.

/** The history trigger's function (migration 0008's), with or without the owner argument. */
export const recordChange = (withOwner: boolean) => `
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
      INSERT INTO change_history (resource, record_id, client_id, action, actor_id, actor_email, changes, operation, record_version)
      VALUES (
        TG_ARGV[0],
        row_id,
        CASE WHEN TG_ARGV[0] = 'Client' THEN row_id${withOwner ? `
             WHEN TG_NARGS > 1 THEN coalesce(new_row ->> TG_ARGV[1], old_row ->> TG_ARGV[1])::integer` : ''} END,
        CASE TG_OP WHEN 'INSERT' THEN 'create' WHEN 'UPDATE' THEN 'update' ELSE 'delete' END,
        nullif(current_setting('app.actor_id', true), '')::integer,
        coalesce(nullif(current_setting('app.actor_email', true), ''), 'system'),
        diff,
        nullif(current_setting('app.operation', true), ''),
        (new_row ->> 'version')::integer
      );
      RETURN NULL;
    END
    $fn$;
`

const ownerTrigger = (when: string) => `
    DROP TRIGGER change_history_client_owner ON change_history;
    CREATE TRIGGER change_history_client_owner AFTER INSERT ON change_history
      FOR EACH ROW WHEN (${when}) EXECUTE FUNCTION client_change_owner();
`

export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    ${recordChange(true)}
    ${ownerTrigger('NEW.client_id IS NOT NULL')}

    CREATE FUNCTION record_version_next() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      IF NEW.version IS DISTINCT FROM OLD.version AND NEW.version IS DISTINCT FROM OLD.version + 1 THEN
        RAISE EXCEPTION 'This record was changed by someone else since (it is at version % now): reload it', OLD.version
          USING ERRCODE = 'check_violation', CONSTRAINT = TG_TABLE_NAME || '_version_stale';
      END IF;
      -- Only a real change counts (a save that changes nothing, or only updated_at, does not).
      NEW.version := CASE
        WHEN (to_jsonb(NEW) - 'version' - 'updated_at') IS DISTINCT FROM (to_jsonb(OLD) - 'version' - 'updated_at')
        THEN OLD.version + 1 ELSE OLD.version END;
      RETURN NEW;
    END
    $fn$;
  `)
}

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    DROP FUNCTION IF EXISTS record_version_next();
    ${ownerTrigger("NEW.resource = 'Client' AND NEW.client_id IS NOT NULL")}
    ${recordChange(false)}
  `)
}
