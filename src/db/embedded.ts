import path from 'node:path'
import { Worker } from 'node:worker_threads'
import type { EmbeddedReply, EmbeddedRequest, EmbeddedWorkerData } from './embedded-worker.js'

export type EmbeddedDatabase = {
  url: string
  /** Drops every client connection and listens again on the same port, like a server restart. */
  restart: () => Promise<void>
  /** How many connections the socket server multiplexes: all pools together must stay below it. */
  maxConnections: number
  /** Whether this database started from a snapshot (see embedded-snapshot.ts) instead of initdb. */
  fromSnapshot: boolean
  /** The whole data directory as a tar.gz, for PGlite's `loadDataDir`. */
  dump: () => Promise<Buffer>
  /** Whether its thread keeps the process running (the test harness keeps idle ones that must not). */
  keepsProcessAlive: (alive: boolean) => void
  stop: () => Promise<void>
}

// .js once compiled: the worker is the sibling file of this module. Under tsx (.ts) a worker thread
// does not inherit tsx's loader, so a two-line module registers it first.
const workerFile = new URL(`./embedded-worker${path.extname(import.meta.url)}`, import.meta.url)
const workerEntry = workerFile.pathname.endsWith('.ts')
  ? new URL(
      'data:text/javascript,' +
        encodeURIComponent(`import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))}\nregister()\nawait import(${JSON.stringify(workerFile.href)})`),
    )
  : workerFile

/**
 * Serves a PGlite database (real PostgreSQL compiled to WASM) on a loopback port, so the app talks
 * to it with the same `pg` driver, SQL and migrations as to a managed PostgreSQL. PGlite runs in a
 * worker thread (embedded-worker.ts). `dataDir` undefined keeps the database in memory (tests);
 * `snapshotFile`, when it exists and there is no database yet, is loaded instead of running initdb.
 */
export async function startEmbeddedDatabase(dataDir: string | undefined, options: { snapshotFile?: string } = {}): Promise<EmbeddedDatabase> {
  const maxConnections = 12
  const worker = new Worker(workerEntry, {
    workerData: { dataDir, snapshotFile: options.snapshotFile, maxConnections } satisfies EmbeddedWorkerData,
  })
  const ready = await new Promise<Extract<EmbeddedReply, { type: 'ready' }>>((resolve, reject) => {
    worker.once('error', reject)
    worker.once('exit', (code) => reject(new Error(`the embedded database stopped while starting (exit code ${code})`)))
    worker.once('message', (reply: EmbeddedReply) =>
      reply.type === 'ready' ? resolve(reply) : reject(new Error(`the embedded database did not start: ${'message' in reply ? reply.message : reply.type}`)),
    )
  })
  worker.removeAllListeners('error').removeAllListeners('exit')

  let nextId = 0
  const pending = new Map<number, { resolve: (reply: EmbeddedReply) => void; reject: (error: Error) => void }>()
  worker.on('message', (reply: EmbeddedReply) => {
    if (reply.type === 'ready' || reply.id === undefined) return
    const waiting = pending.get(reply.id)
    pending.delete(reply.id)
    if (reply.type === 'failed') waiting?.reject(new Error(reply.message))
    else waiting?.resolve(reply)
  })
  worker.on('exit', (code) => {
    for (const waiting of pending.values()) waiting.reject(new Error(`the embedded database stopped (exit code ${code})`))
    pending.clear()
  })
  const ask = (type: EmbeddedRequest['type']) =>
    new Promise<EmbeddedReply>((resolve, reject) => {
      const id = nextId++
      pending.set(id, { resolve, reject })
      worker.postMessage({ id, type } satisfies EmbeddedRequest)
    })

  let stopped: Promise<void> | undefined
  return {
    url: `postgres://postgres@${ready.conn}/postgres`,
    maxConnections,
    fromSnapshot: ready.fromSnapshot,
    restart: async () => {
      await ask('restart')
    },
    dump: async () => {
      const reply = await ask('dump')
      return Buffer.from((reply as { dump: ArrayBuffer }).dump)
    },
    keepsProcessAlive: (alive) => {
      if (alive) worker.ref()
      else worker.unref()
    },
    stop: () =>
      (stopped ??= ask('stop').then(
        async () => {
          await worker.terminate()
        },
        async () => {
          await worker.terminate()
        },
      )),
  }
}
