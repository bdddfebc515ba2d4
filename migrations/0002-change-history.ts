import type { Migration } from '../src/db/migrator.js'

// Change history is written by triggers, in the same transaction as the change itself: whatever
// writes (the panel, a script, a bulk update, raw SQL), no change commits without its entry, and
// an entry that cannot be written rolls the change back. The panel names the actor per
// transaction (set_config('app.actor_id'/'app.actor_email', …, true)); anything else is "system".

export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    CREATE TABLE change_history (
      id          bigserial PRIMARY KEY,
      resource    varchar(32) NOT NULL,
      record_id   integer NOT NULL,
      client_id   integer,
      action      varchar(8) NOT NULL CONSTRAINT change_history_action_check CHECK (action IN ('create', 'update', 'delete')),
      actor_id    integer,
      actor_email varchar(254) NOT NULL DEFAULT 'system',
      changes     jsonb NOT NULL,
      created_at  timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX change_history_record_idx ON change_history (resource, record_id, created_at DESC, id DESC);
    CREATE INDEX change_history_client_idx ON change_history (client_id, created_at DESC, id DESC);
    CREATE INDEX change_history_actor_idx ON change_history (actor_id, created_at DESC);
    CREATE INDEX change_history_created_at_idx ON change_history (created_at DESC, id DESC);

    CREATE FUNCTION record_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
    DECLARE
      old_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) ELSE '{}'::jsonb END;
      new_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) ELSE '{}'::jsonb END;
      diff jsonb := '[]'::jsonb;
      key text;
      row_id integer;
    BEGIN
      FOR key IN SELECT jsonb_object_keys(old_row || new_row) ORDER BY 1 LOOP
        CONTINUE WHEN key IN ('id', 'created_at', 'updated_at');
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
      INSERT INTO change_history (resource, record_id, client_id, action, actor_id, actor_email, changes)
      VALUES (
        TG_ARGV[0],
        row_id,
        CASE WHEN TG_ARGV[0] = 'Client' THEN row_id END,
        CASE TG_OP WHEN 'INSERT' THEN 'create' WHEN 'UPDATE' THEN 'update' ELSE 'delete' END,
        nullif(current_setting('app.actor_id', true), '')::integer,
        coalesce(nullif(current_setting('app.actor_email', true), ''), 'system'),
        diff
      );
      RETURN NULL;
    END
    $fn$;

    CREATE TRIGGER clients_history AFTER INSERT OR UPDATE OR DELETE ON clients
      FOR EACH ROW EXECUTE FUNCTION record_change('Client');
    CREATE TRIGGER admin_users_history AFTER INSERT OR UPDATE OR DELETE ON admin_users
      FOR EACH ROW EXECUTE FUNCTION record_change('AdminUser');
    CREATE TRIGGER products_history AFTER INSERT OR UPDATE OR DELETE ON products
      FOR EACH ROW EXECUTE FUNCTION record_change('Product');

    -- Append-only: an entry is never edited or removed (TRUNCATE by the owner stays possible).
    CREATE FUNCTION change_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      RAISE EXCEPTION 'Change history entries cannot be changed or deleted'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'change_history_append_only';
    END
    $fn$;
    CREATE TRIGGER change_history_append_only BEFORE UPDATE OR DELETE ON change_history
      FOR EACH ROW EXECUTE FUNCTION change_history_append_only();
  `)
}

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    DROP TRIGGER IF EXISTS clients_history ON clients;
    DROP TRIGGER IF EXISTS admin_users_history ON admin_users;
    DROP TRIGGER IF EXISTS products_history ON products;
    DROP TABLE IF EXISTS change_history;
    DROP FUNCTION IF EXISTS record_change();
    DROP FUNCTION IF EXISTS change_history_append_only();
  `)
}
