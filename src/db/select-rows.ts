import { AsyncLocalStorage } from 'node:async_hooks'
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

/** The prepared statements each pooled connection holds (a new connection holds none). */
const preparedOn = new WeakMap<PooledPgConnection, Set<string>>()

/**
 * The rows of each of several SELECTs without parameters (or prepared ones), sent as one message
 * (PostgreSQL's simple query protocol runs them one after the other, in one implicit transaction,
 * so they see the same data): one round trip instead of one per statement. At the home page's load
 * each round trip cost more CPU than reading its rows (docs/benchmarks.md).
 */
export function selectRowSets(sequelize: Sequelize, statements: (string | PreparedStatement)[]): Promise<Record<string, unknown>[][]> {
  return readOnPooledConnection(sequelize, async (connection) => {
    const ahead = statementAhead.getStore()
    const carried = ahead && !ahead.carried ? ahead : undefined
    if (carried) carried.carried = true
    const prepared = preparedOn.get(connection) ?? new Set<string>()
    preparedOn.set(connection, prepared)
    // The statement carried ahead is sent first: its rows are the message's first result.
    const all = carried ? [carried.statement, ...statements] : statements
    const send = async (retried = false): Promise<Record<string, unknown>[][]> => {
      const preparing = all.filter((statement): statement is PreparedStatement => typeof statement !== 'string' && !prepared.has(statement.name))
      const texts = all.map((statement) => (typeof statement === 'string' ? statement : statement.execute))
      const message = [...preparing.map((statement) => statement.prepare), ...texts]
      try {
        // node-postgres answers a list of results for more than one statement (its types say one).
        const results = (await connection.query(message.join(';\n'))) as QueryResult | QueryResult[]
        const rowSets = (Array.isArray(results) ? results.map((result) => result.rows) : [results.rows]).slice(preparing.length)
        for (const statement of preparing) prepared.add(statement.name)
        if (carried) carried.rows = rowSets.shift()
        return rowSets
      } catch (error) {
        // A PREPARE stays even when a later statement of its message fails (the next PREPARE then
        // finds it: 42P05), and a statement the connection lost is prepared again (26000).
        const { code } = error as { code?: string }
        if (retried || (code !== '42P05' && code !== '26000')) throw error
        for (const statement of all) {
          if (typeof statement === 'string') continue
          if (code === '42P05') prepared.add(statement.name)
          else prepared.delete(statement.name)
        }
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
