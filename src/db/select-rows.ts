import { AsyncLocalStorage } from 'node:async_hooks'
import { createHash } from 'node:crypto'
import type { QueryResult } from 'pg'
import type { Sequelize } from 'sequelize'
import { withPooledConnection, type PooledPgConnection } from './pooled-connection.js'

// Why: Sequelize's query() builds a Query object, an id, cloned options and a retry wrapper for
// every statement (in-process, 15-20 % of a list page's action, docs/benchmarks.md); a plain read
// needs none of it. This borrows one of Sequelize's own pooled connections (its undocumented
// connectionManager, as the CSV export does), so the session settings (statement timeout) and
// the type parsers are the ones every other read of the app gets.

/** A total read by a statement of its own (one row with a `total` column), which a page can be read with in one round trip. */
export type TotalStatement = { totalSql: string }

/**
 * The rows of one SELECT without parameters, as `sequelize.query(sql, { type: QueryTypes.SELECT })`
 * answers them (plain objects, one per row), outside any transaction.
 */
export async function selectRows(sequelize: Sequelize, sql: string): Promise<Record<string, unknown>[]> {
  return (await selectRowSets(sequelize, [sql]))[0]
}

/**
 * A statement PostgreSQL keeps prepared on each connection (PREPARE): parsed once per connection,
 * and after a few runs answered from one generic plan, where a statement sent as text is planned
 * again at every run (for the home page's reads the planning took longer than the reading,
 * docs/benchmarks.md). `prepare` is `PREPARE <name>(…) AS …`, sent on a connection's first use;
 * `execute` is `EXECUTE <name>(…)` with its values written in, sent every time.
 */
export type PreparedStatement = { name: string; prepare: string; execute: string }

/**
 * The prepared statements each pooled connection holds (a new connection holds none), oldest
 * first: past PREPARED_PER_CONNECTION the oldest is deallocated, so a connection's plans stay few.
 */
const preparedOn = new WeakMap<PooledPgConnection, Set<string>>()
const PREPARED_PER_CONNECTION = 100

/**
 * A SELECT text the process has sent HOT_AFTER times becomes a prepared statement of its own (a
 * list's first page, a record's page, a reference's titles: the same text again and again), so
 * that PostgreSQL plans it once per connection instead of at every run: at 1,000,000 clients the
 * list's two statements ran 5,300–5,500 times a second as text and 10,700–10,800 prepared (pgbench,
 * docs/benchmarks.md). A text seen fewer times (a search as it is typed, a far page) stays text:
 * preparing it would cost a round of planning and memory for nothing. Texts are counted in a
 * bounded map, forgotten all at once when it is full.
 */
const HOT_AFTER = 3
const counted = new Map<string, { seen: number; prepared?: PreparedStatement }>()
const COUNTED_TEXTS = 1_000
// One SELECT (PREPARE takes no EXPLAIN, no second statement) with nothing PREPARE could read as a parameter.
const PREPARABLE = /^\s*(?:SELECT|WITH)\b[^;$]*$/i

function asSent(statement: string | PreparedStatement): string | PreparedStatement {
  if (typeof statement !== 'string') return statement
  let entry = counted.get(statement)
  if (!entry) {
    if (!PREPARABLE.test(statement)) return statement
    if (counted.size >= COUNTED_TEXTS) counted.clear()
    counted.set(statement, (entry = { seen: 0 }))
  }
  entry.seen += 1
  if (entry.prepared) return entry.prepared
  if (entry.seen < HOT_AFTER) return statement
  const name = `hot_${createHash('sha1').update(statement).digest('hex').slice(0, 24)}`
  return (entry.prepared = { name, prepare: `PREPARE ${name} AS ${statement}`, execute: `EXECUTE ${name}` })
}

/**
 * The rows of each of several SELECTs without parameters (or prepared ones), sent as one message
 * (PostgreSQL's simple query protocol runs them one after the other, in one implicit transaction,
 * so they see the same data): one round trip instead of one per statement. At the home page's load
 * each round trip cost more CPU than reading its rows (docs/benchmarks.md).
 */
export function selectRowSets(sequelize: Sequelize, statements: (string | PreparedStatement)[]): Promise<Record<string, unknown>[][]> {
  const sent = statements.map(asSent)
  return readOnPooledConnection(sequelize, async (connection) => {
    const ahead = statementAhead.getStore()
    const carried = ahead && !ahead.carried ? ahead : undefined
    if (carried) carried.carried = true
    let prepared = preparedOn.get(connection)
    if (!prepared) preparedOn.set(connection, (prepared = new Set<string>()))
    // The statement carried ahead is sent first: its rows are the message's first result.
    const all = carried ? [carried.statement, ...sent] : sent
    const send = async (retried = false, forgetAll = false): Promise<Record<string, unknown>[][]> => {
      const preparing = all.filter((statement): statement is PreparedStatement => typeof statement !== 'string' && !prepared.has(statement.name))
      const inUse = new Set(all.map((statement) => (typeof statement === 'string' ? '' : statement.name)))
      const leaving: string[] = []
      for (const name of prepared) {
        if (prepared.size - leaving.length + preparing.length <= PREPARED_PER_CONNECTION) break
        if (!inUse.has(name)) leaving.push(name)
      }
      for (const name of leaving) prepared.delete(name)
      const housekeeping = [...(forgetAll ? ['DEALLOCATE ALL'] : []), ...leaving.map((name) => `DEALLOCATE ${name}`), ...preparing.map((statement) => statement.prepare)]
      const texts = all.map((statement) => (typeof statement === 'string' ? statement : statement.execute))
      try {
        // node-postgres answers a list of results for more than one statement (its types say one).
        const results = (await connection.query([...housekeeping, ...texts].join(';\n'))) as QueryResult | QueryResult[]
        const rowSets = (Array.isArray(results) ? results.map((result) => result.rows) : [results.rows]).slice(housekeeping.length)
        for (const statement of preparing) prepared.add(statement.name)
        if (carried) carried.rows = rowSets.shift()
        return rowSets
      } catch (error) {
        // The connection holds other statements than this process counted: a PREPARE stays even
        // when a later statement of its message fails (the next PREPARE then finds it: 42P05), a
        // connection can lose one (26000; the embedded database's connections share one session).
        // Then they are read from the connection itself. A plan whose result type a migration
        // changed (0A000, "cached plan must not change result type") is dropped with all the others.
        const { code, message } = error as { code?: string; message?: string }
        const outdated = code === '0A000' && /cached plan/.test(message ?? '')
        if (retried || (code !== '42P05' && code !== '26000' && !outdated)) throw error
        prepared.clear()
        if (outdated) return send(true, true)
        const held = (await connection.query('SELECT name FROM pg_prepared_statements')).rows as { name: string }[]
        for (const { name } of held) prepared.add(name)
        return send(true)
      }
    }
    return send()
  })
}

type Ahead = { statement: string | PreparedStatement; carried: boolean; rows?: Record<string, unknown>[] }
const statementAhead = new AsyncLocalStorage<Ahead>()

/**
 * Runs `run`, sending `statement` (a SELECT without parameters, or a prepared one) in the same message as the first read
 * `run` makes through selectRows or selectRowSets, so both cost one round trip: `ahead` is its
 * rows, or undefined where `run` made no such read (the caller then reads it itself).
 */
export async function withStatementAhead<T>(statement: string | PreparedStatement, run: () => Promise<T>): Promise<{ result: T; ahead: Record<string, unknown>[] | undefined }> {
  const ahead: Ahead = { statement, carried: false }
  const result = await statementAhead.run(ahead, run)
  return { result, ahead: ahead.rows }
}

function readOnPooledConnection<T>(sequelize: Sequelize, read: (connection: PooledPgConnection) => Promise<T>): Promise<T> {
  return withPooledConnection(sequelize, 'read', async (connection) => {
    try {
      return await read(connection)
    } catch (error) {
      // A failure that is not PostgreSQL's answer (a five-character SQLSTATE) may have broken the
      // connection: marked as Sequelize marks one, its pool destroys it instead of handing it out.
      if (!/^[0-9A-Z]{5}$/.test(String((error as { code?: unknown }).code ?? ''))) connection._invalid = true
      throw error
    }
  })
}
