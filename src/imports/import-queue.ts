import PgBoss from 'pg-boss'
import type { Logger } from 'pino'
import type { Sequelize } from 'sequelize'
import { withPooledConnection } from '../db/pooled-connection.js'

/** The import jobs' pg-boss instance, on the app's own connection pool (import-jobs.ts runs the jobs). */

/**
 * A new PgBoss that borrows connections from the app's pool instead of a pool of its own: the
 * embedded database serves a fixed number of connections (db/embedded.ts), which the app's pools
 * share. A stopped PgBoss does not clean up after a second start (pg-boss 10 leaves its
 * maintenance timer running): every start gets a new one. An unstarted one still queues and reads jobs.
 */
export function newImportQueue(sequelize: Sequelize, logger: Logger) {
  const db = {
    executeSql: (text: string, values: unknown[] = []) =>
      withPooledConnection(sequelize, 'write', async (connection) => {
        try {
          return await connection.query(text, values)
        } catch (error) {
          // Some of pg-boss's statements are BEGIN … COMMIT scripts: one that failed halfway must not
          // hand the pool a connection stuck in an aborted transaction.
          await connection.query('ROLLBACK', []).catch(() => undefined)
          throw error
        }
      }),
  }
  // pg-boss creates (or upgrades) its schema at start, under its own lock; no cron schedules here.
  const boss = new PgBoss({ db, schedule: false, supervise: true })
  boss.on('error', (error) => logger.warn({ err: error }, 'import queue error'))
  return boss
}

/**
 * Instances that start together on a new database all create the queue, and PostgreSQL settles
 * that race by cancelling all but one as a deadlock (seen in CI, where the cancelled instance's
 * start failed). The cancelled ones try again once the winner has committed: the queue is there.
 */
export async function createQueueOnce(boss: PgBoss, name: string) {
  for (let attempt = 1; ; attempt += 1) {
    if (await boss.getQueue(name)) return
    try {
      await boss.createQueue(name, { name, policy: 'standard' })
      return
    } catch (error) {
      if (attempt === 5) throw error
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt + Math.random() * 50))
    }
  }
}
