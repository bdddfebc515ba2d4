import type { Migration } from '../src/db/migrator.js'

// The home page's counts (migration 0006) learn of each client change from triggers that appended
// a +1 and a -1 row to client_count_changes per changed client. A bulk edit of 10,000 clients
// appended ~19,000 rows inside its transaction, and every client list's exact total, which reads
// that table whole, stepped over all of them (uncommitted) until the fold: lists got slower for
// everyone while one person's bulk edit ran (issue #25). Counted per statement instead, from the
// statement's transition tables, a change appends one row per (manager, status, currency, day) it
// moves: an UPDATE of 1,000 clients' status a few dozen rows, and one that moves none, none.

/** The three summary triggers and their function, as either migration wrote them. */
const dropSummaryTriggers = `DROP TRIGGER clients_summary_insert ON clients;
    DROP TRIGGER clients_summary_update ON clients;
    DROP TRIGGER clients_summary_delete ON clients;
    DROP FUNCTION client_summary_changed();`

const count = (rows: 'new_rows' | 'old_rows', sign: 1 | -1) =>
  `SELECT manager_id, delivery_status, coalesce(currency, ''), (created_at AT TIME ZONE 'UTC')::date, ${sign} FROM ${rows}`

export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    ${dropSummaryTriggers}

    CREATE FUNCTION client_summary_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      -- Only the transition tables of this statement's event exist (PL/pgSQL plans each branch when it runs).
      IF TG_OP = 'INSERT' THEN
        INSERT INTO client_count_changes (manager_id, delivery_status, currency, day, n)
          SELECT manager_id, delivery_status, currency, day, sum(n) FROM (${count('new_rows', 1)}) AS moved (manager_id, delivery_status, currency, day, n)
           GROUP BY 1, 2, 3, 4;
      ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO client_count_changes (manager_id, delivery_status, currency, day, n)
          SELECT manager_id, delivery_status, currency, day, sum(n) FROM (${count('old_rows', -1)}) AS moved (manager_id, delivery_status, currency, day, n)
           GROUP BY 1, 2, 3, 4;
      ELSE
        INSERT INTO client_count_changes (manager_id, delivery_status, currency, day, n)
          SELECT manager_id, delivery_status, currency, day, sum(n)
            FROM (${count('old_rows', -1)} UNION ALL ${count('new_rows', 1)}) AS moved (manager_id, delivery_status, currency, day, n)
           GROUP BY 1, 2, 3, 4
          HAVING sum(n) <> 0;
      END IF;
      RETURN NULL;
    END
    $fn$;

    CREATE TRIGGER clients_summary_insert AFTER INSERT ON clients
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION client_summary_changed();
    CREATE TRIGGER clients_summary_update AFTER UPDATE ON clients
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION client_summary_changed();
    CREATE TRIGGER clients_summary_delete AFTER DELETE ON clients
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION client_summary_changed();
  `)
}

const changeOf = (row: 'NEW' | 'OLD', sign: 1 | -1) =>
  `(${row}.manager_id, ${row}.delivery_status, coalesce(${row}.currency, ''), (${row}.created_at AT TIME ZONE 'UTC')::date, ${sign})`

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    ${dropSummaryTriggers}

    CREATE FUNCTION client_summary_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      IF TG_OP <> 'INSERT' THEN
        INSERT INTO client_count_changes (manager_id, delivery_status, currency, day, n) VALUES ${changeOf('OLD', -1)};
      END IF;
      IF TG_OP <> 'DELETE' THEN
        INSERT INTO client_count_changes (manager_id, delivery_status, currency, day, n) VALUES ${changeOf('NEW', 1)};
      END IF;
      RETURN NULL;
    END
    $fn$;

    CREATE TRIGGER clients_summary_insert AFTER INSERT ON clients
      FOR EACH ROW EXECUTE FUNCTION client_summary_changed();
    CREATE TRIGGER clients_summary_update AFTER UPDATE ON clients
      FOR EACH ROW WHEN (
        OLD.manager_id IS DISTINCT FROM NEW.manager_id OR OLD.delivery_status IS DISTINCT FROM NEW.delivery_status
        OR OLD.currency IS DISTINCT FROM NEW.currency OR OLD.created_at IS DISTINCT FROM NEW.created_at
      ) EXECUTE FUNCTION client_summary_changed();
    CREATE TRIGGER clients_summary_delete AFTER DELETE ON clients
      FOR EACH ROW EXECUTE FUNCTION client_summary_changed();
  `)
}
