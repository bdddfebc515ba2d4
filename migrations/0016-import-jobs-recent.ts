import type { Migration } from '../src/db/migrator.js'

// The import page's "Recent imports" (src/imports/import-job-list.ts): every import is a row of
// import_jobs now, the ones that ran in the request too; a row keeps its file's name and its
// report's counts (read for the list without reading the report itself, which can be megabytes),
// and a running job can be cancelled (`cancel_requested`, which the worker reads as it goes;
// status `cancelled`: nothing was saved).

export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    ALTER TABLE import_jobs ADD COLUMN file_name varchar(255);
    ALTER TABLE import_jobs ADD COLUMN counts jsonb;
    ALTER TABLE import_jobs ADD COLUMN cancel_requested boolean NOT NULL DEFAULT false;
    ALTER TABLE import_jobs DROP CONSTRAINT import_jobs_status_check;
    ALTER TABLE import_jobs ADD CONSTRAINT import_jobs_status_check CHECK (status IN ('queued', 'running', 'done', 'refused', 'failed', 'cancelled'));
    CREATE INDEX import_jobs_resource_created_at_idx ON import_jobs (resource, created_at DESC);
  `)
}

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    DROP INDEX IF EXISTS import_jobs_resource_created_at_idx;
    DELETE FROM import_jobs WHERE status = 'cancelled';
    ALTER TABLE import_jobs DROP CONSTRAINT import_jobs_status_check;
    ALTER TABLE import_jobs ADD CONSTRAINT import_jobs_status_check CHECK (status IN ('queued', 'running', 'done', 'refused', 'failed'));
    ALTER TABLE import_jobs DROP COLUMN cancel_requested;
    ALTER TABLE import_jobs DROP COLUMN counts;
    ALTER TABLE import_jobs DROP COLUMN file_name;
  `)
}
