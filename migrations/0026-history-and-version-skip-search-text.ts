import type { Migration } from '../src/db/migrator.js'
import { up as cheaperPerRow, recordChange, versionFunctions } from './0025-history-and-version-cheaper-per-row.js'

// The next migration stores each row's search text in a generated column, `search_text` (issue
// #26: src/fields/model.ts SEARCH_TEXT_COLUMN). It is no field: the history trigger must not list
// it as a change, and the version triggers must not count it as one. In a BEFORE trigger NEW holds
// NULL for a stored generated column (PostgreSQL computes it after), so without this every save,
// even one that changes nothing, would raise the version (a key the table has no column for is
// ignored, so the same functions serve tables without it). Otherwise migration 0025's functions,
// unchanged.

export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    ${versionFunctions('rows', ['updated_at', 'search_text'])}
    ${recordChange(['id', 'created_at', 'updated_at', 'version', 'search_text'])}
  `)
}

// Migration 0025's functions again (its owner trigger is as it left it).
export const down: Migration = cheaperPerRow
