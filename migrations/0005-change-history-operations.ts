import type { Migration } from '../src/db/migrator.js'

// The change history grows beyond record writes: exports and account events are entries too, and
// the entries of one bulk edit, import or revert share an `operation` reference, named by the
// writer per transaction (set_config('app.operation', …, true)) like the actor.

const actions = [
  'create', 'update', 'delete', 'export', 'login', 'login_failed', 'lockout',
  'two_factor_enrolled', 'two_factor_reset', 'recovery_code_used', 'password_changed', 'session_ended',
]

/** The history trigger's function, with or without the operation column. */
const recordChange = (withOperation: boolean) => `
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
      INSERT INTO change_history (resource, record_id, client_id, action, actor_id, actor_email, changes${withOperation ? ', operation' : ''})
      VALUES (
        TG_ARGV[0],
        row_id,
        CASE WHEN TG_ARGV[0] = 'Client' THEN row_id END,
        CASE TG_OP WHEN 'INSERT' THEN 'create' WHEN 'UPDATE' THEN 'update' ELSE 'delete' END,
        nullif(current_setting('app.actor_id', true), '')::integer,
        coalesce(nullif(current_setting('app.actor_email', true), ''), 'system'),
        diff${withOperation ? ", nullif(current_setting('app.operation', true), '')" : ''}
      );
      RETURN NULL;
    END
    $fn$;
`

export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    ALTER TABLE change_history DROP CONSTRAINT change_history_action_check;
    ALTER TABLE change_history ALTER COLUMN action TYPE varchar(24);
    ALTER TABLE change_history ADD CONSTRAINT change_history_action_check
      CHECK (action IN (${actions.map((action) => `'${action}'`).join(', ')}));
    ALTER TABLE change_history ADD COLUMN operation varchar(64);
    CREATE INDEX change_history_operation_idx ON change_history (operation) WHERE operation IS NOT NULL;

    ${recordChange(true)}
  `)
}

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    ALTER TABLE change_history DISABLE TRIGGER change_history_append_only;
    DELETE FROM change_history WHERE action NOT IN ('create', 'update', 'delete');
    ALTER TABLE change_history ENABLE TRIGGER change_history_append_only;
    ${recordChange(false)}
    DROP INDEX IF EXISTS change_history_operation_idx;
    ALTER TABLE change_history DROP COLUMN operation;
    ALTER TABLE change_history DROP CONSTRAINT change_history_action_check;
    ALTER TABLE change_history ALTER COLUMN action TYPE varchar(8);
    ALTER TABLE change_history ADD CONSTRAINT change_history_action_check CHECK (action IN ('create', 'update', 'delete'));
  `)
}
