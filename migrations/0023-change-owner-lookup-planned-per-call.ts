import type { Migration } from '../src/db/migrator.js'

// client_change_owner() (migration 0006) finds a changed client's manager by id for every history
// entry. PL/pgSQL keeps the plan of that lookup for the connection's life: planned while the
// clients table was a few pages (a new installation, the first rows of an import), it is a scan of
// the whole table, and stays one as the import adds rows. Every row of a big first import then
// scanned every row before it: 20,000 new clients in one statement took 47 s instead of 8.6 s on
// a freshly migrated database. Planned at each call it looks the id up in the primary key once the
// table has grown.

export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`ALTER FUNCTION client_change_owner() SET plan_cache_mode = force_custom_plan`)
}

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`ALTER FUNCTION client_change_owner() RESET plan_cache_mode`)
}
