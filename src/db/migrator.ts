import { pathToFileURL } from 'node:url'
import type { QueryInterface, Sequelize } from 'sequelize'
import { SequelizeStorage, Umzug } from 'umzug'
import { migrationsDir } from './migrations-folder.js'
import { withPooledConnection } from './pooled-connection.js'

// Owns the one Umzug setup that applies migrations: the app's, `npm run migrate`'s, the test
// harness's and the schema tools' on copies of the folder (migrations-folder.ts says where it is).

export type MigrationContext = { queryInterface: QueryInterface; sequelize: Sequelize }
export type Migration = (params: { context: MigrationContext }) => Promise<void>

export function createMigrator(sequelize: Sequelize, dir = migrationsDir) {
  return new Umzug<MigrationContext>({
    migrations: {
      glob: ['[0-9][0-9][0-9][0-9]-*.{ts,js}', { cwd: dir, ignore: ['*.d.ts'] }],
      resolve: ({ name, path: file, context }) => ({
        name: name.replace(/\.(ts|js)$/, ''),
        up: async () => (await import(pathToFileURL(file!).href)).up({ context }),
        down: async () => (await import(pathToFileURL(file!).href)).down({ context }),
      }),
    },
    context: { queryInterface: sequelize.getQueryInterface(), sequelize },
    storage: new SequelizeStorage({ sequelize, tableName: 'schema_migrations' }),
    logger: undefined,
  })
}

/**
 * Applies pending migrations. An advisory lock makes concurrent release steps (two deploys, or a
 * release while another instance starts) wait for each other instead of racing.
 */
export async function migrateUp(sequelize: Sequelize) {
  return withMigrationLock(sequelize, () => createMigrator(sequelize).up())
}

export async function migrateDown(sequelize: Sequelize, options: { to?: 0 } = {}) {
  return withMigrationLock(sequelize, () => createMigrator(sequelize).down(options))
}

const MIGRATION_LOCK_KEY = 727_001

async function withMigrationLock<T>(sequelize: Sequelize, run: () => Promise<T>): Promise<T> {
  // Session-level lock on one dedicated connection, held for the whole run.
  return withPooledConnection(sequelize, 'write', async (connection) => {
    await connection.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`)
    try {
      return await run()
    } finally {
      await connection.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`).catch(() => undefined)
    }
  })
}
