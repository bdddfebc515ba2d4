import type { Migration } from '../src/db/migrator.js'

// An import job's report stored in pieces (src/imports/import-jobs.ts): a report of 100,000 rows is
// megabytes of JSON, which written as one value and read back as one took the whole text, its
// protocol buffer and a copy into the server's memory at once (issue #25: the XLSX dry run went
// over its 300 MB budget there). Pieces of at most 256 KB are written one statement each and read
// one at a time as the answer streams. import_jobs.report keeps the report of an import that ran in
// the request (a few thousand rows at most) and those of jobs that finished before this migration.

export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    CREATE TABLE import_job_report_pieces (
      job_id uuid NOT NULL REFERENCES import_jobs (id) ON DELETE CASCADE,
      seq    integer NOT NULL,
      text   text NOT NULL,
      PRIMARY KEY (job_id, seq)
    );
  `)
}

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    DROP TABLE IF EXISTS import_job_report_pieces;
  `)
}
