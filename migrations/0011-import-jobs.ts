import type { Migration } from '../src/db/migrator.js'

// Imports that run as jobs (src/imports/import-jobs.ts): one row per job. The uploaded CSV is kept
// in `file` (bytea, up to IMPORT_MAX_BYTES; TOAST compresses it) so that any instance can run the
// job, and dropped once the job is over; `report` is written in the apply's own transaction, so
// "done" and the imported rows commit together. Only the user who started it (or an admin) reads
// it. The queue itself is pg-boss's schema `pgboss`, which pg-boss creates and upgrades itself
// when an instance starts (a migration cannot load the library: the schema tools run copies of
// this folder elsewhere).

export const up: Migration = async ({ context: { sequelize } }) => {
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
  `)
}
