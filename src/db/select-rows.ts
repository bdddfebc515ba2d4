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
 * The rows of each of several SELECTs without parameters, sent as one message (PostgreSQL's simple
 * query protocol runs them one after the other, in one implicit transaction, so they see the same
 * data): one round trip instead of one per statement. At the home page's load each round trip cost
 * more CPU than reading its rows (docs/benchmarks.md).
 */
export function selectRowSets(sequelize: Sequelize, statements: string[]): Promise<Record<string, unknown>[][]> {
  return readOnPooledConnection(sequelize, async (connection) => {
    const ahead = statementAhead.getStore()
    const carried = ahead && !ahead.carried ? ahead : undefined
    if (carried) carried.carried = true
    // node-postgres answers a list of results for more than one statement (its types say one).
    const results = (await connection.query((carried ? [carried.sql, ...statements] : statements).join(';\n'))) as QueryResult | QueryResult[]
    const rowSets = Array.isArray(results) ? results.map((result) => result.rows) : [results.rows]
    if (carried) carried.rows = rowSets.shift()
    return rowSets
  })
}

type Ahead = { sql: string; carried: boolean; rows?: Record<string, unknown>[] }
const statementAhead = new AsyncLocalStorage<Ahead>()

/**
 * Runs `run`, sending `sql` (a SELECT without parameters) in the same message as the first read
 * `run` makes through selectRows or selectRowSets, so both cost one round trip: `ahead` is its
 * rows, or undefined where `run` made no such read (the caller then reads it itself).
 */
export async function withStatementAhead<T>(sql: string, run: () => Promise<T>): Promise<{ result: T; ahead: Record<string, unknown>[] | undefined }> {
  const ahead: Ahead = { sql, carried: false }
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
