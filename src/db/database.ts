import { Sequelize } from 'sequelize'
import type { AppConfig } from '../config/env.js'
import { startEmbeddedDatabase, type EmbeddedDatabase } from './embedded.js'

export type Database = {
  sequelize: Sequelize
  /** The connection string in use: DATABASE_URL, or the embedded server's loopback address. */
  url: string
  embedded: boolean
  /** The embedded server, when there is one (tests restart it to play a database restart). */
  embeddedServer?: Pick<EmbeddedDatabase, 'restart' | 'fromSnapshot'>
  /** Pool size left for other clients of the same database (the session store). */
  sidePoolMax: number
  close: () => Promise<void>
}

type DatabaseOptions = Pick<AppConfig, 'databaseUrl' | 'dataDir' | 'dbPoolMax'> & {
  /** Keep the embedded database in memory instead of `dataDir` (tests). */
  inMemory?: boolean
  /** A new embedded database starts from this snapshot of a migrated one (embedded-snapshot.ts), if it exists. */
  snapshotFile?: string
  /** An embedded database started already (serve.ts starts it while loading the app). */
  embedded?: EmbeddedDatabase
  logging?: false | ((sql: string) => void)
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  let embedded: EmbeddedDatabase | undefined
  let url = options.databaseUrl
  let poolMax = options.dbPoolMax
  let sidePoolMax = 2
  if (!url) {
    embedded = options.embedded ?? await startEmbeddedDatabase(options.inMemory ? undefined : options.dataDir, { snapshotFile: options.snapshotFile })
    url = embedded.url
    // The embedded server resets connections past its limit: every pool has to fit inside it.
    sidePoolMax = 2
    poolMax = Math.min(poolMax, embedded.maxConnections - sidePoolMax - 1)
  }
  const sequelize = new Sequelize(url, {
    dialect: 'postgres',
    logging: options.logging ?? false,
    pool: { max: poolMax, min: 0, idle: 10_000, acquire: 20_000 },
    define: { underscored: true },
  })
  return {
    sequelize,
    url,
    embedded: Boolean(embedded),
    embeddedServer: embedded,
    sidePoolMax,
    close: async () => {
      await sequelize.close()
      await embedded?.stop()
    },
  }
}
