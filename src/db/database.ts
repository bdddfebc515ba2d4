import { Sequelize } from 'sequelize'
import type { AppConfig } from '../config/env.js'
import { attachBulkShare, createBulkShare, type BulkShare } from './bulk-share.js'
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
  /** What bulk work (exports, imports, bulk edits, whole reverts) may take of this database: see bulk-share.ts. */
  bulk: BulkShare
  close: () => Promise<void>
}

type BulkOptions = Pick<AppConfig, 'bulkLimits' | 'bulkDbConnections' | 'bulkWaitMs' | 'bulkStatementTimeoutMs'>

/** Scripts and tests that never run bulk work concurrently get these. */
const DEFAULT_BULK: BulkOptions = {
  bulkLimits: { export: { running: 4, perUser: 2 }, import: { running: 2, perUser: 1 }, bulkEdit: { running: 2, perUser: 1 } },
  bulkDbConnections: 3,
  bulkWaitMs: 30_000,
  bulkStatementTimeoutMs: 0,
}

type DatabaseOptions = Pick<AppConfig, 'databaseUrl' | 'dataDir' | 'dbPoolMax'> & Partial<BulkOptions> & {
  /**
   * The server's pool (not a script's): its connections start with this statement_timeout, so no
   * interactive statement runs for minutes; bulk work raises it in its own transactions. Not on
   * the embedded database (one backend serves every connection there).
   */
  serverStatementTimeoutMs?: number
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
    ...(!embedded && options.serverStatementTimeoutMs ? { dialectOptions: { statement_timeout: options.serverStatementTimeoutMs } } : {}),
  })
  const bulk = { ...DEFAULT_BULK, ...Object.fromEntries(Object.entries(options).filter(([key, value]) => key in DEFAULT_BULK && value !== undefined)) } as BulkOptions
  const share = createBulkShare(sequelize, {
    limits: bulk.bulkLimits,
    // At least two connections stay for everyone else's requests.
    connections: Math.max(1, Math.min(bulk.bulkDbConnections, poolMax - 2)),
    waitMs: bulk.bulkWaitMs,
    // Not on the embedded database: its one backend serves every connection, so a timeout there
    // would fire on whoever's statement is running.
    statementTimeoutMs: embedded ? 0 : bulk.bulkStatementTimeoutMs,
  })
  attachBulkShare(sequelize, share)
  return {
    sequelize,
    url,
    embedded: Boolean(embedded),
    embeddedServer: embedded,
    sidePoolMax,
    bulk: share,
    close: async () => {
      await sequelize.close()
      await embedded?.stop()
    },
  }
}
