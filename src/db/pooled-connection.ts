import type { ClientBase } from 'pg'
import type { Sequelize } from 'sequelize'

/**
 * One of the connections of Sequelize's own pool: the node-postgres client it hands out (on the
 * embedded database, the same interface over PGlite), with the app's session settings (statement
 * timeout) and type parsers. Borrowed where Sequelize's query() cannot do the job (a COPY stream,
 * a cursor, a session-level lock, pg-boss's statements) or does it at a cost (a plain read).
 * `_invalid` is how Sequelize marks one its pool must destroy instead of handing it out again.
 */
export type PooledPgConnection = ClientBase & { _invalid?: boolean }

type PgConnectionManager = {
  getConnection: (options: { type: 'read' | 'write' }) => Promise<PooledPgConnection>
  releaseConnection: (connection: PooledPgConnection) => void
  destroyConnection: (connection: PooledPgConnection) => Promise<void>
}

/** Sequelize's connection manager, typed with what its pool really holds (its own types say `object`). */
export const pgConnections = (sequelize: Sequelize) => sequelize.connectionManager as unknown as PgConnectionManager

/** Runs `use` on one pooled connection, given back to the pool afterwards, whatever happens. */
export async function withPooledConnection<T>(sequelize: Sequelize, type: 'read' | 'write', use: (connection: PooledPgConnection) => Promise<T>): Promise<T> {
  const pool = pgConnections(sequelize)
  const connection = await pool.getConnection({ type })
  try {
    return await use(connection)
  } finally {
    pool.releaseConnection(connection)
  }
}
