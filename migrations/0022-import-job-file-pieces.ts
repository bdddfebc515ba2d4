import type { Migration } from '../src/db/migrator.js'

// An import job's uploaded file stored in pieces of its own rows (src/imports/import-jobs.ts), as
// its report is (migration 0020). Appended to one bytea column instead, every piece rewrote the
// whole value so far (a 20 MB upload wrote ~210 MB, one of IMPORT_MAX_BYTES' 1 GB ~500 GB), and
// reading a piece back decompressed the whole value each time. import_jobs.file stays for jobs
// queued before this migration.

export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    CREATE TABLE import_job_file_pieces (
      job_id uuid NOT NULL REFERENCES import_jobs (id) ON DELETE CASCADE,
      seq    integer NOT NULL,
      data   bytea NOT NULL,
      PRIMARY KEY (job_id, seq)
    );
  `)
}

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    DROP TABLE IF EXISTS import_job_file_pieces;
  `)
}
