import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { QueryInterface, Sequelize } from 'sequelize'
import { SequelizeStorage, Umzug } from 'umzug'

// Owns the migrations: where the project's live, and the one Umzug setup that applies them (the app,
// `npm run migrate`, the test harness, and the schema tools on scratch copies of the folder).

export type MigrationContext = { queryInterface: QueryInterface; sequelize: Sequelize }
export type Migration = (params: { context: MigrationContext }) => Promise<void>

/** The project's migrations: `migrations/` under tsx, `dist/migrations/` after the build (two levels up either way). */
export const migrationsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations')

/** `0003-client-throughput.ts` (or `.js` when built); the number orders them. */
export const MIGRATION_FILE = /^(\d{4})-.+\.(ts|js)$/

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
  const connection = (await sequelize.connectionManager.getConnection({ type: 'write' })) as any
  try {
    await connection.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`)
    return await run()
  } finally {
    await connection.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`).catch(() => undefined)
    sequelize.connectionManager.releaseConnection(connection)
  }
}
