import type { Sequelize } from 'sequelize'
import { withPooledConnection } from './pooled-connection.js'

// Why: Sequelize's query() builds a Query object, an id, cloned options and a retry wrapper for
// every statement (in-process, 15-20 % of a list page's action, docs/benchmarks.md); a plain read
// needs none of it. This borrows one of Sequelize's own pooled connections (its undocumented
// connectionManager, as the CSV export does), so the session settings (statement timeout) and
// the type parsers are the ones every other read of the app gets.

/**
 * The rows of one SELECT without parameters, as `sequelize.query(sql, { type: QueryTypes.SELECT })`
 * answers them (plain objects, one per row), outside any transaction.
 */
export function selectRows(sequelize: Sequelize, sql: string): Promise<Record<string, unknown>[]> {
  return withPooledConnection(sequelize, 'read', async (connection) => {
    try {
      return (await connection.query(sql)).rows
    } catch (error) {
      // A failure that is not PostgreSQL's answer (a five-character SQLSTATE) may have broken the
      // connection: marked as Sequelize marks one, its pool destroys it instead of handing it out.
      if (!/^[0-9A-Z]{5}$/.test(String((error as { code?: unknown }).code ?? ''))) connection._invalid = true
      throw error
    }
  })
}
