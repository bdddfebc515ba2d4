import type { Sequelize, Transaction } from 'sequelize'
import { InteractiveFirst } from './interactive-first.js'

/**
 * The share of the server that bulk work may take, so one person's export, import, "all matching"
 * bulk edit or whole revert never takes what everyone else's next click needs.
 *
 * - A count per kind of work, in all and per user: one more is refused at once with a 429 that
 *   names the limit (and the setting that raises it), instead of queueing behind the others.
 * - A cap on the database connections bulk work holds at the same time (BULK_DB_CONNECTIONS): work
 *   past the cap waits for one of them (up to BULK_WAIT_SECONDS, then a 429), never for the pool
 *   the lists and logins use.
 * - Its statements get a timeout that fits bulk work (BULK_STATEMENT_TIMEOUT_SECONDS) instead of the
 *   interactive one the connections start with.
 *
 * Counted per process: each instance (WEB_CONCURRENCY) has its own pools, so its own share of them.
 */

export type BulkKind = 'export' | 'import' | 'bulkEdit'

export type BulkLimit = { running: number; perUser: number }

export type BulkShareSettings = {
  limits: Record<BulkKind, BulkLimit>
  /** Connections bulk work may hold at once. */
  connections: number
  /** How long bulk work waits for one of those connections before it is refused. */
  waitMs: number
  /** statement_timeout of a bulk transaction, in ms (0: none). */
  statementTimeoutMs: number
}

const LIMIT_NAMES: Record<BulkKind, { one: string; work: string; running: string; perUser: string }> = {
  export: { one: 'export', work: 'exports', running: 'EXPORTS_MAX_RUNNING', perUser: 'EXPORTS_MAX_PER_USER' },
  import: { one: 'import', work: 'imports', running: 'IMPORTS_MAX_RUNNING', perUser: 'IMPORTS_MAX_PER_USER' },
  bulkEdit: { one: 'bulk edit or revert', work: 'bulk edits and reverts', running: 'BULK_EDITS_MAX_RUNNING', perUser: 'BULK_EDITS_MAX_PER_USER' },
}

/** A 429 the error handler answers as `{ error }`. */
export class BulkLimitReached extends Error {
  readonly status = 429
  readonly expose = true
  constructor(message: string) {
    super(message)
    this.name = 'BulkLimitReached'
  }
}

/** One piece of bulk work admitted: end() gives back its place (and its connection slot); ending twice is harmless. */
export type BulkTicket = {
  /** Waits for a place among the connections bulk work may hold; the place is kept until end(). */
  connection: (signal?: AbortSignal) => Promise<void>
  /** Gives the transaction the bulk statement timeout. */
  inTransaction: (transaction: Transaction) => Promise<void>
  end: () => void
}

export type BulkShare = ReturnType<typeof createBulkShare>

/**
 * Bulk work's planner settings: one core at most, from the first row on. At 1,000,000 clients the
 * planner chose a parallel scan for an export's COPY (three backends, every core of a small server:
 * the lists of everyone else waited) and JIT-compiled the SELECT first (0.9–2.6 s before the first
 * byte), neither making the whole file measurably quicker (bench/export-settings.ts).
 */
export const ONE_CORE_SETTINGS: [string, string][] = [
  ['jit', 'off'],
  ['max_parallel_workers_per_gather', '0'],
]

export function createBulkShare(sequelize: Sequelize, settings: BulkShareSettings) {
  const running = new Map<BulkKind, Map<string, number>>()
  let held = 0
  const waiting: Array<() => void> = []

  const countOf = (kind: BulkKind) => {
    let perUser = running.get(kind)
    if (!perUser) running.set(kind, (perUser = new Map()))
    return perUser
  }
  const total = (kind: BulkKind) => [...countOf(kind).values()].reduce((sum, count) => sum + count, 0)

  const releaseConnection = () => {
    const next = waiting.shift()
    if (next) next()
    else held -= 1
  }

  /** A place among the connections bulk work may hold; resolves with its release (call it once). */
  function connectionPlace(signal?: AbortSignal, waitMs = settings.waitMs): Promise<() => void> {
    const release = () => {
      let released = false
      return () => {
        if (released) return
        released = true
        releaseConnection()
      }
    }
    if (held < settings.connections) {
      held += 1
      return Promise.resolve(release())
    }
    return new Promise((resolve, reject) => {
      const give = () => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', abort)
        resolve(release())
      }
      const leave = (error: Error) => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', abort)
        const at = waiting.indexOf(give)
        if (at >= 0) waiting.splice(at, 1)
        reject(error)
      }
      const abort = () => leave(signal!.reason instanceof Error ? signal!.reason : new Error('aborted'))
      const busy = () =>
        new BulkLimitReached(
          `The server is busy with other bulk work (${settings.connections} database connection${settings.connections === 1 ? '' : 's'} for it, BULK_DB_CONNECTIONS). Try again in a moment.`,
        )
      const timer = Number.isFinite(waitMs) ? setTimeout(() => leave(busy()), waitMs) : undefined
      timer?.unref()
      signal?.addEventListener('abort', abort, { once: true })
      waiting.push(give)
    })
  }

  /**
   * Gives `transaction` the bulk statement timeout instead of the interactive one its connection
   * has, and keeps its statements on one core: no parallel workers, no JIT compiling (a bulk
   * statement over many rows is what the planner would otherwise spread over every core).
   */
  const applyBulkSettings = async (transaction: Transaction) => {
    const timeout: [string, string][] = settings.statementTimeoutMs ? [['statement_timeout', String(Math.floor(settings.statementTimeoutMs))]] : []
    await sequelize.query([...timeout, ...ONE_CORE_SETTINGS].map(([name, value]) => `SET LOCAL ${name} = ${value}`).join('; '), { transaction })
  }

  return {
    settings,
    connectionPlace,
    applyBulkSettings,

    /** Admits one piece of work of `kind` for `userId`, or throws BulkLimitReached naming the limit. */
    begin(kind: BulkKind, userId: string | number): BulkTicket {
      const limit = settings.limits[kind]
      const names = LIMIT_NAMES[kind]
      const user = String(userId)
      const perUser = countOf(kind)
      if ((perUser.get(user) ?? 0) >= limit.perUser) {
        throw new BulkLimitReached(
          `You already have ${limit.perUser} ${limit.perUser === 1 ? names.one : names.work} running, the most one person may run at a time (${names.perUser}). Wait until ${limit.perUser === 1 ? 'it finishes' : 'one finishes'}, then try again.`,
        )
      }
      if (total(kind) >= limit.running) {
        throw new BulkLimitReached(
          `${limit.running} ${names.work} are running on this server, the most it runs at a time (${names.running}). Try again in a moment.`,
        )
      }
      perUser.set(user, (perUser.get(user) ?? 0) + 1)
      let ended = false
      let place: Promise<() => void> | undefined
      return {
        connection: async (signal) => {
          if (ended) return
          place ??= connectionPlace(signal)
          try {
            const release = await place
            if (ended) release() // ended while it waited: pass the place on
          } catch (error) {
            place = undefined
            throw error
          }
        },
        inTransaction: applyBulkSettings,
        end: () => {
          if (ended) return
          ended = true
          const count = (perUser.get(user) ?? 1) - 1
          if (count > 0) perUser.set(user, count)
          else perUser.delete(user)
          // Released once it is (or was) given; a wait still on is left to time out on its own.
          place?.then((release) => release(), () => undefined)
        },
      }
    },

    /** Interactive requests in flight, which bulk streams yield to (interactive-first.ts). */
    interactive: new InteractiveFirst(),

    /** How much bulk work runs now (tests and logs). */
    usage: () => ({ connections: held, waiting: waiting.length, export: total('export'), import: total('import'), bulkEdit: total('bulkEdit') }),
  }
}

const shares = new WeakMap<Sequelize, BulkShare>()

/** Attaches the share to its database (openDatabase does), so any model's `sequelize` finds it. */
export function attachBulkShare(sequelize: Sequelize, share: BulkShare) {
  shares.set(sequelize, share)
}

/** The bulk share of the database `sequelize` talks to. */
export function bulkShareOf(sequelize: Sequelize): BulkShare {
  const share = shares.get(sequelize)
  if (!share) throw new Error('this database was not opened with openDatabase (no bulk share)')
  return share
}

/** Runs `work` as one piece of bulk work: admitted (or a 429), with a bulk connection place, ended whatever happens. */
export async function asBulkWork<T>(sequelize: Sequelize, kind: BulkKind, userId: string | number, work: (ticket: BulkTicket) => Promise<T>): Promise<T> {
  const ticket = bulkShareOf(sequelize).begin(kind, userId)
  try {
    await ticket.connection()
    return await work(ticket)
  } finally {
    ticket.end()
  }
}
