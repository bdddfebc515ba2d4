import type pg from 'pg'
import type { Sequelize } from 'sequelize'
import { dashboardData } from '../src/app/dashboard.js'

/**
 * The home page's data on a bare `pg` pool: the app's own statements and shaping (dashboardData),
 * with Sequelize's `query(sql, { replacements })` and its pooled connections played by a few lines
 * over pg, so that the baseline pays for the SQL and the counting, not for Sequelize, AdminJS or
 * the session.
 */
function sequelizeLike(pool: pg.Pool) {
  return {
    query: async (sql: string, options: { replacements?: Record<string, unknown> } = {}) => {
      const values: unknown[] = []
      // As Sequelize does: an array becomes a list of values.
      const placeholder = (value: unknown) => `$${values.push(value)}`
      const text = sql.replace(/(?<!:):([A-Za-z_]\w*)/g, (_, name: string) => {
        const value = options.replacements?.[name]
        return Array.isArray(value) ? value.map(placeholder).join(', ') : placeholder(value)
      })
      return (await pool.query(text, values)).rows
    },
    // What selectRows and selectRowSets borrow: a pooled connection.
    connectionManager: {
      getConnection: () => pool.connect(),
      releaseConnection: (connection: pg.PoolClient) => connection.release(),
    },
  } as unknown as Sequelize
}

export function dashboardOnPg(pool: pg.Pool, managerId: string | null) {
  const viewer = managerId ? { id: managerId, role: 'manager', email: '' } : { id: '1', role: 'admin', email: '' }
  return dashboardData(sequelizeLike(pool), viewer)
}
