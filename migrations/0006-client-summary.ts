import type { Migration } from '../src/db/migrator.js'

// The home page's numbers, kept exact by the database itself: how many clients each manager has
// per delivery status and currency, and per day of creation (UTC). Triggers on clients record
// every change in the same transaction, whoever writes (the panel, an import, a bulk update, a
// script, raw SQL), so counting never reads the million rows.
//
// The triggers only append to client_count_changes: concurrent writers never wait for each other,
// and a long transaction (an import of 10,000 rows one by one) never updates one counter row
// 10,000 times (each update of the same row in one transaction makes the next one slower).
// Readers add the pending changes to client_counts / client_created_per_day;
// client_summary_compact() folds them in (the app calls it every few seconds).
// Row triggers with plain INSERTs were measured cheaper per create than statement triggers over
// transition tables; an update fires only when a counted column changes.
//
// A manager's latest changes: client_change_owners notes, for every change of a client, whose
// client it was when it changed, so that a manager's entries are read from an index of their own
// instead of walking everyone's history (an import of 50,000 clients for one manager would
// otherwise lie between every other manager and their latest changes).
//
// Loading rows with the triggers disabled leaves the summary behind; `SELECT client_summary_rebuild()`
// recounts it (the benchmark's bulk load does).

/** The change row that counts `row` (NEW or OLD) once more (+1) or once less (-1). */
const changeOf = (row: 'NEW' | 'OLD', sign: 1 | -1) =>
  `(${row}.manager_id, ${row}.delivery_status, coalesce(${row}.currency, ''), (${row}.created_at AT TIME ZONE 'UTC')::date, ${sign})`

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
    -- Not yet folded into the two tables above: +1 / -1 per client, appended by the triggers.
    CREATE TABLE client_count_changes (
      manager_id      integer     NOT NULL,
      delivery_status varchar(16) NOT NULL,
      currency        varchar(3)  NOT NULL,
      day             date        NOT NULL,
      n               bigint      NOT NULL
    );

    CREATE FUNCTION client_summary_rebuild() RETURNS void LANGUAGE sql AS $fn$
      DELETE FROM client_count_changes;
      DELETE FROM client_counts;
      DELETE FROM client_created_per_day;
      INSERT INTO client_counts (manager_id, delivery_status, currency, count)
        SELECT manager_id, delivery_status, coalesce(currency, ''), count(*) FROM clients GROUP BY 1, 2, 3;
      INSERT INTO client_created_per_day (manager_id, day, count)
        SELECT manager_id, (created_at AT TIME ZONE 'UTC')::date, count(*) FROM clients GROUP BY 1, 2;
    $fn$;
    SELECT client_summary_rebuild();

    -- Folds the pending changes in, in one statement (readers see them either pending or folded).
    -- One caller at a time; returns how many change rows it folded.
    CREATE FUNCTION client_summary_compact() RETURNS bigint LANGUAGE plpgsql AS $fn$
    DECLARE
      folded bigint;
    BEGIN
      IF NOT pg_try_advisory_xact_lock(727014) THEN
        RETURN 0;
      END IF;
      WITH moved AS (DELETE FROM client_count_changes RETURNING *),
      counts AS (
        INSERT INTO client_counts AS t (manager_id, delivery_status, currency, count)
        SELECT manager_id, delivery_status, currency, sum(n) FROM moved GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (manager_id, delivery_status, currency) DO UPDATE SET count = t.count + EXCLUDED.count
      ),
      days AS (
        INSERT INTO client_created_per_day AS t (manager_id, day, count)
        SELECT manager_id, day, sum(n) FROM moved GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (manager_id, day) DO UPDATE SET count = t.count + EXCLUDED.count
      )
      SELECT count(*) INTO folded FROM moved;
      RETURN folded;
    END
    $fn$;

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

    CREATE FUNCTION client_summary_truncated() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      DELETE FROM client_count_changes;
      DELETE FROM client_counts;
      DELETE FROM client_created_per_day;
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
    CREATE TRIGGER clients_summary_truncate AFTER TRUNCATE ON clients
      FOR EACH STATEMENT EXECUTE FUNCTION client_summary_truncated();

    CREATE TABLE client_change_owners (
      change_id  bigint      PRIMARY KEY,
      manager_id integer     NOT NULL,
      created_at timestamptz NOT NULL
    );
    CREATE INDEX client_change_owners_manager_idx ON client_change_owners (manager_id, created_at DESC, change_id DESC);
    INSERT INTO client_change_owners (change_id, manager_id, created_at)
      SELECT h.id, c.manager_id, h.created_at FROM change_history h JOIN clients c ON c.id = h.client_id WHERE h.resource = 'Client';

    -- A deleted client has no manager any more: its deletion is nobody's to see on a manager's page.
    CREATE FUNCTION client_change_owner() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      INSERT INTO client_change_owners (change_id, manager_id, created_at)
        SELECT NEW.id, c.manager_id, NEW.created_at FROM clients c WHERE c.id = NEW.client_id;
      RETURN NULL;
    END
    $fn$;
    CREATE TRIGGER change_history_client_owner AFTER INSERT ON change_history
      FOR EACH ROW WHEN (NEW.resource = 'Client' AND NEW.client_id IS NOT NULL) EXECUTE FUNCTION client_change_owner();

    CREATE FUNCTION client_change_owners_truncated() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      DELETE FROM client_change_owners;
      RETURN NULL;
    END
    $fn$;
    CREATE TRIGGER change_history_owners_truncate AFTER TRUNCATE ON change_history
      FOR EACH STATEMENT EXECUTE FUNCTION client_change_owners_truncated();
  `)
}

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    DROP TRIGGER IF EXISTS clients_summary_insert ON clients;
    DROP TRIGGER IF EXISTS clients_summary_update ON clients;
    DROP TRIGGER IF EXISTS clients_summary_delete ON clients;
    DROP TRIGGER IF EXISTS clients_summary_truncate ON clients;
    DROP TRIGGER IF EXISTS change_history_client_owner ON change_history;
    DROP TRIGGER IF EXISTS change_history_owners_truncate ON change_history;
    DROP FUNCTION IF EXISTS client_change_owner();
    DROP FUNCTION IF EXISTS client_change_owners_truncated();
    DROP TABLE IF EXISTS client_change_owners;
    DROP FUNCTION IF EXISTS client_summary_changed();
    DROP FUNCTION IF EXISTS client_summary_truncated();
    DROP FUNCTION IF EXISTS client_summary_compact();
    DROP FUNCTION IF EXISTS client_summary_rebuild();
    DROP TABLE IF EXISTS client_count_changes;
    DROP TABLE IF EXISTS client_created_per_day;
    DROP TABLE IF EXISTS client_counts;
  `)
}
