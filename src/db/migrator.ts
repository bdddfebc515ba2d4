import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { QueryInterface, Sequelize } from 'sequelize'
import { SequelizeStorage, Umzug } from 'umzug'

export type MigrationContext = { queryInterface: QueryInterface; sequelize: Sequelize }
export type Migration = (params: { context: MigrationContext }) => Promise<void>

const here = path.dirname(fileURLToPath(import.meta.url))
// Works from src/ under tsx and from dist/src/ after the build: migrations/ sits two levels up.
const migrationsDir = path.resolve(here, '../../migrations')
const extension = path.extname(fileURLToPath(import.meta.url)) // .ts in development, .js when built

export function createMigrator(sequelize: Sequelize) {
  return new Umzug<MigrationContext>({
    migrations: {
      glob: ['*' + extension, { cwd: migrationsDir, ignore: ['*.d.ts'] }],
      resolve: ({ name, path: file, context }) => ({
        name: name.replace(/\.(ts|js)$/, ''),
        up: async () => (await import(file!)).up({ context }),
        down: async () => (await import(file!)).down({ context }),
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
  const connection = (await sequelize.connectionManager.getConnection({ type: 'write' })) as any
  try {
    await connection.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`)
    return await run()
  } finally {
    await connection.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`).catch(() => undefined)
    sequelize.connectionManager.releaseConnection(connection)
  }
}
