import PgBoss from 'pg-boss'
import type { Migration } from '../src/db/migrator.js'

// Imports that run as jobs (src/imports/import-jobs.ts).
//   - pgboss: pg-boss's own schema and the `import` queue, created here (the release step) rather
//     than by the first instance that starts: instances then only check its version at start, and a
//     test database copies it with the rest. pg-boss migrates it itself when the library is upgraded.
//   - import_jobs: one row per import job. The uploaded CSV is kept in `file` (bytea, up to
//     IMPORT_MAX_BYTES; TOAST compresses it) so that any instance can run the job, and dropped once
//     the job is over; `report` is written in the apply's own transaction, so "done" and the
//     imported rows commit together. Only the user who started it (or an admin) reads it.

const SCHEMA = 'pgboss'

export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`)
  const installed = await sequelize.query(`SELECT to_regclass('${SCHEMA}.version') AS version`, { plain: true })
  if (!installed?.version) await sequelize.query(PgBoss.getConstructionPlans(SCHEMA))
  await sequelize.query(`SELECT ${SCHEMA}.create_queue('import', '{"policy":"standard"}') WHERE NOT EXISTS (SELECT 1 FROM ${SCHEMA}.queue WHERE name = 'import')`)
  await sequelize.query(`
    CREATE TABLE import_jobs (
      id          uuid PRIMARY KEY,
      resource    varchar(64) NOT NULL,
      actor_id    integer NOT NULL REFERENCES admin_users (id) ON DELETE CASCADE,
      dry_run     boolean NOT NULL,
      file        bytea,
      rows        integer NOT NULL,
      status      varchar(16) NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'refused', 'failed')),
      progress    jsonb,
      report      jsonb,
      error       text,
      attempts    integer NOT NULL DEFAULT 0,
      created_at  timestamptz NOT NULL DEFAULT now(),
      started_at  timestamptz,
      finished_at timestamptz
    );
    CREATE INDEX import_jobs_actor_id_idx ON import_jobs (actor_id);
    CREATE INDEX import_jobs_finished_at_idx ON import_jobs (finished_at) WHERE finished_at IS NOT NULL;
  `)
}

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    DROP TABLE IF EXISTS import_jobs;
    DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE;
  `)
}
