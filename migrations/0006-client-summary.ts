import type { Migration } from '../src/db/migrator.js'

// The home page's numbers, kept exact by the database itself: how many clients each manager has
// per delivery status and currency, and per day of creation. Statement triggers on clients apply
// each statement's net change in the same transaction, whoever writes (the panel, an import, a bulk
// update, a script, raw SQL), so counting never reads the million rows.
//
// - One summary row per key: concurrent writes for the same key wait for each other's commit (a
//   short wait: the row is touched last in a write). Each statement locks its rows in key order.
// - An update that changes no key (most edits) writes nothing here.
// - Loading rows with the triggers disabled leaves the summary behind; `SELECT client_summary_rebuild()`
//   recounts it (the benchmark's bulk load does).

/** The summary's keys of a transition table's rows, with +1 or -1 each. */
const rowsOf = (table: 'new_rows' | 'old_rows', sign: 1 | -1) =>
  `SELECT manager_id, delivery_status, coalesce(currency, '') AS currency,
          (created_at AT TIME ZONE 'UTC')::date AS day, ${sign} AS n FROM ${table}`

const applyDelta = (name: string, delta: string) => `
    CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      WITH delta AS (${delta})
      INSERT INTO client_counts AS t (manager_id, delivery_status, currency, count)
      SELECT manager_id, delivery_status, currency, sum(n) FROM delta
       GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3
      ON CONFLICT (manager_id, delivery_status, currency) DO UPDATE SET count = t.count + EXCLUDED.count;

      WITH delta AS (${delta})
      INSERT INTO client_created_per_day AS t (manager_id, day, count)
      SELECT manager_id, day, sum(n) FROM delta
       GROUP BY 1, 2 HAVING sum(n) <> 0 ORDER BY 1, 2
      ON CONFLICT (manager_id, day) DO UPDATE SET count = t.count + EXCLUDED.count;
      RETURN NULL;
    END
    $fn$;
`

export const up: Migration = async ({ context: { sequelize } }) => {
  // One query string: PostgreSQL runs it as one transaction, and the lock keeps writers out
  // between the first count and the triggers taking over.
  await sequelize.query(`
    LOCK TABLE clients IN SHARE ROW EXCLUSIVE MODE;

    CREATE TABLE client_counts (
      manager_id      integer     NOT NULL,
      delivery_status varchar(16) NOT NULL,
      currency        varchar(3)  NOT NULL, -- '' = not set yet
      count           bigint      NOT NULL,
      PRIMARY KEY (manager_id, delivery_status, currency)
    );
    CREATE TABLE client_created_per_day (
      manager_id integer NOT NULL,
      day        date    NOT NULL, -- of created_at, in UTC
      count      bigint  NOT NULL,
      PRIMARY KEY (manager_id, day)
    );
    CREATE INDEX client_created_per_day_day_idx ON client_created_per_day (day) INCLUDE (count);

    CREATE FUNCTION client_summary_rebuild() RETURNS void LANGUAGE sql AS $fn$
      DELETE FROM client_counts;
      DELETE FROM client_created_per_day;
      INSERT INTO client_counts (manager_id, delivery_status, currency, count)
        SELECT manager_id, delivery_status, coalesce(currency, ''), count(*) FROM clients GROUP BY 1, 2, 3;
      INSERT INTO client_created_per_day (manager_id, day, count)
        SELECT manager_id, (created_at AT TIME ZONE 'UTC')::date, count(*) FROM clients GROUP BY 1, 2;
    $fn$;
    SELECT client_summary_rebuild();

    ${applyDelta('client_summary_inserted', rowsOf('new_rows', 1))}
    ${applyDelta('client_summary_updated', `${rowsOf('new_rows', 1)} UNION ALL ${rowsOf('old_rows', -1)}`)}
    ${applyDelta('client_summary_deleted', rowsOf('old_rows', -1))}

    CREATE FUNCTION client_summary_truncated() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      DELETE FROM client_counts;
      DELETE FROM client_created_per_day;
      RETURN NULL;
    END
    $fn$;

    CREATE TRIGGER clients_summary_insert AFTER INSERT ON clients
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION client_summary_inserted();
    CREATE TRIGGER clients_summary_update AFTER UPDATE ON clients
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION client_summary_updated();
    CREATE TRIGGER clients_summary_delete AFTER DELETE ON clients
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION client_summary_deleted();
    CREATE TRIGGER clients_summary_truncate AFTER TRUNCATE ON clients
      FOR EACH STATEMENT EXECUTE FUNCTION client_summary_truncated();
  `)
}

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    DROP TRIGGER IF EXISTS clients_summary_insert ON clients;
    DROP TRIGGER IF EXISTS clients_summary_update ON clients;
    DROP TRIGGER IF EXISTS clients_summary_delete ON clients;
    DROP TRIGGER IF EXISTS clients_summary_truncate ON clients;
    DROP FUNCTION IF EXISTS client_summary_inserted();
    DROP FUNCTION IF EXISTS client_summary_updated();
    DROP FUNCTION IF EXISTS client_summary_deleted();
    DROP FUNCTION IF EXISTS client_summary_truncated();
    DROP FUNCTION IF EXISTS client_summary_rebuild();
    DROP TABLE IF EXISTS client_created_per_day;
    DROP TABLE IF EXISTS client_counts;
  `)
}
