import { existsSync } from 'node:fs'
import { mkdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { parentPort, workerData } from 'node:worker_threads'
import { PGlite } from '@electric-sql/pglite'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'
import { oneSequenceAtATime } from './one-sequence-at-a-time.js'

// The embedded database's own thread: PGlite (PostgreSQL compiled to WASM) runs its queries
// synchronously, so on a thread of its own it starts while the app loads its modules, and answers
// queries on another core than the one serving HTTP. See embedded.ts for the messages.

export type EmbeddedWorkerData = {
  /** undefined: in memory. */
  dataDir: string | undefined
  /** A dumped data directory (tar.gz) to start from instead of running initdb, when there is no database yet. */
  snapshotFile: string | undefined
  maxConnections: number
}
export type EmbeddedRequest = { id: number; type: 'restart' | 'stop' | 'dump' }
export type EmbeddedReply =
  | { type: 'ready'; conn: string; fromSnapshot: boolean }
  | { type: 'done'; id: number; dump?: ArrayBuffer }
  | { type: 'failed'; id?: number; message: string }

const { dataDir, snapshotFile, maxConnections } = workerData as EmbeddedWorkerData
const port = parentPort!

try {
  if (dataDir) await mkdir(dataDir, { recursive: true })
  const isNew = !dataDir || !existsSync(path.join(dataDir, 'PG_VERSION'))
  const snapshot = isNew && snapshotFile && existsSync(snapshotFile) ? new Blob([await readFile(snapshotFile)]) : undefined
  // PostgreSQL zeroes its shared buffers at every start (in WASM, the largest part of a start): a
  // laptop's demo data and a test's rows fit in far less than the default 128 MB.
  const db = await PGlite.create({ dataDir, extensions: { pg_trgm }, loadDataDir: snapshot, postgresqlconf: ['shared_buffers = 16MB'] })
  const served = oneSequenceAtATime(db)
  let server = new PGLiteSocketServer({ db: served, port: 0, host: '127.0.0.1', maxConnections })
  await server.start()
  const conn = server.getServerConn()
  const listenPort = Number(conn.split(':').pop())
  port.postMessage({ type: 'ready', conn, fromSnapshot: Boolean(snapshot) } satisfies EmbeddedReply)

  port.on('message', async ({ id, type }: EmbeddedRequest) => {
    try {
      if (type === 'restart') {
        await server.stop()
        server = new PGLiteSocketServer({ db: served, port: listenPort, host: '127.0.0.1', maxConnections })
        await server.start()
        port.postMessage({ type: 'done', id } satisfies EmbeddedReply)
      } else if (type === 'dump') {
        const dump = await (await db.dumpDataDir('gzip')).arrayBuffer()
        port.postMessage({ type: 'done', id, dump } satisfies EmbeddedReply, [dump])
      } else {
        await server.stop()
        await db.close()
        port.postMessage({ type: 'done', id } satisfies EmbeddedReply)
        port.close()
      }
    } catch (error) {
      port.postMessage({ type: 'failed', id, message: (error as Error).message } satisfies EmbeddedReply)
    }
  })
} catch (error) {
  port.postMessage({ type: 'failed', message: (error as Error).stack ?? String(error) } satisfies EmbeddedReply)
}
