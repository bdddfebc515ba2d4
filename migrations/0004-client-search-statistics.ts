import type { Migration } from '../src/db/migrator.js'

// Substring filters (ILIKE '%…%') on login, company and e-mail: with the default statistics the
// planner guesses ~100 matches for any pattern, always picks the trigram bitmap scan plus a sort,
// and a common pattern (tens of thousands of matches) then takes ~600 ms at 1M clients instead of
// ~1 ms walking the created_at index. A finer histogram lets it estimate and choose. (Measured,
// see docs/benchmarks.md.)

const columns = ['login', 'company', 'email']

export const up: Migration = async ({ context: { sequelize } }) => {
  for (const column of columns) {
    await sequelize.query(`ALTER TABLE clients ALTER COLUMN ${column} SET STATISTICS 1000`)
  }
  await sequelize.query('ANALYZE clients')
}

export const down: Migration = async ({ context: { sequelize } }) => {
  for (const column of columns) {
    await sequelize.query(`ALTER TABLE clients ALTER COLUMN ${column} SET STATISTICS -1`)
  }
}
