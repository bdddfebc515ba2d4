import { mkdir } from 'node:fs/promises'
import { PGlite } from '@electric-sql/pglite'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'

export type EmbeddedDatabase = {
  url: string
  /** Drops every client connection and listens again on the same port, like a server restart. */
  restart: () => Promise<void>
  /** How many connections the socket server multiplexes: all pools together must stay below it. */
  maxConnections: number
  stop: () => Promise<void>
}

/**
 * Serves a PGlite database (real PostgreSQL compiled to WASM) on a loopback port, so the app talks
 * to it with the same `pg` driver, SQL and migrations as to a managed PostgreSQL.
 * `dataDir` undefined keeps the database in memory (tests).
 */
export async function startEmbeddedDatabase(dataDir: string | undefined): Promise<EmbeddedDatabase> {
  if (dataDir) await mkdir(dataDir, { recursive: true })
  const db = await PGlite.create({ dataDir, extensions: { pg_trgm } })
  const maxConnections = 12
  let server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections })
  await server.start()
  const conn = server.getServerConn()
  const port = Number(conn.split(':').pop())
  return {
    url: `postgres://postgres@${conn}/postgres`,
    maxConnections,
    restart: async () => {
      await server.stop()
      server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections })
      await server.start()
    },
    stop: async () => {
      await server.stop()
      await db.close()
    },
  }
}
