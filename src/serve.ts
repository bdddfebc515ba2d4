import type { Server } from 'node:http'
import { seedDemoData } from '../seeders/demo.js'
import type { AppConfig } from './config/env.js'
import { startEmbeddedDatabase } from './db/embedded.js'
import { snapshotFile } from './db/embedded-snapshot.js'
import { hasPendingMigrations } from './db/migrations-folder.js'
import { createLogger } from './config/logger.js'

/** One server process: the panel on config.port until SIGTERM/SIGINT. */
export async function serve(config: AppConfig, startedAt: number) {
  const logger = createLogger(config)
  // A promise rejected where nothing waits for it is a bug to log, not a reason to end the process
  // (Node's default) and every request in flight with it. Route handlers' rejections never get
  // here: they are answered as errors (see app.ts).
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'))
  // The embedded database starts on a thread of its own (from the migrated snapshot on a first
  // run, when `npm install` made one) while this thread loads the panel's modules.
  const embedded = config.databaseUrl ? undefined : startEmbeddedDatabase(config.dataDir, { snapshotFile: snapshotFile() })
  embedded?.catch(() => undefined) // awaited below; a failure surfaces there
  const [{ openDatabase }, { createApp }] = await Promise.all([import('./db/database.js'), import('./app/app.js')])
  const db = await openDatabase({ ...config, serverStatementTimeoutMs: config.statementTimeoutMs, embedded: await embedded })

  if (db.embedded && (await hasPendingMigrations(db.sequelize))) {
    // No release step on a laptop: the embedded database migrates and seeds itself. (Imported only
    // here: with DATABASE_URL the release step migrates, and start-up skips loading umzug.)
    const { migrateUp } = await import('./db/migrator.js')
    await migrateUp(db.sequelize)
  }
  const panel = await createApp(config, db, logger)
  const seedOnFirstRun = db.embedded && !config.isProduction && config.seedPassword && (await panel.models.AdminUser.count()) === 0

  const server: Server = panel.app.listen(config.port, () => {
    const url = `http://localhost:${config.port}/admin`
    logger.info(
      { url, database: db.embedded ? `embedded (${config.dataDir})` : 'DATABASE_URL', readyMs: Math.round(performance.now() - startedAt) },
      'panel ready',
    )
    if (!config.isProduction) {
      console.log(`\n  SMS Client Admin is running at ${url}`)
      if (config.seedPassword) {
        console.log(`  Demo logins: admin@example.com, manager1@example.com, manager2@example.com`)
        console.log(`  Password:    ${config.seedPassword === 'demo-password-123' ? 'demo-password-123' : '(SEED_PASSWORD)'}\n`)
      }
    }
    // Demo data loads while the panel already answers: the users come first, so logging in works
    // within a second or two; the demo clients follow (each password is a bcrypt hash, ~0.25 s).
    if (seedOnFirstRun) {
      seedDemoData(panel.models, config.seedPassword!)
        .then(({ clientsCreated }) => logger.info({ clientsCreated }, 'seeded demo data into the embedded database'))
        .catch((error) => logger.error({ err: error }, 'seeding demo data failed'))
    }
  })

  // SIGTERM (a deploy, a scale-down): stop taking connections, let running requests finish, close
  // the pools, exit 0. A hard deadline keeps a stuck request from holding the process forever.
  let stopping = false
  const shutdown = (signal: string) => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'shutting down')
    const deadline = setTimeout(() => {
      logger.error('shutdown took too long, exiting')
      process.exit(1)
    }, 9_000)
    deadline.unref()
    server.close(async () => {
      await panel.close()
      await db.close()
      logger.info('stopped')
      process.exit(0)
    })
    // A kept-alive connection would hold server.close() open until its client drops it (fetch's
    // does after 4 s idle): one that finishes its last request while stopping is closed then.
    server.closeIdleConnections()
    setInterval(() => server.closeIdleConnections(), 100).unref()
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))
}
