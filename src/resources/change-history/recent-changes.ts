import { QueryTypes, type Sequelize } from 'sequelize'
import { columnName, fieldsOf, type ResourceDefinition } from '../../fields/model.js'
import { definitions } from '../../models/index.js'
import { describeChanges, type ChangeEntry } from './describe-changes.js'

/**
 * The latest record changes (create, update, delete) from the change history, as the home page
 * lists them: who, what, when and a one-line summary. Account events and exports are history too,
 * but not "changes" and are left out.
 */

export type RecentChange = {
  id: number
  resource: string
  recordId: number
  action: string
  actor: string
  at: string
  /** The record's title now (or as it was deleted), e.g. a client's login; null when unknown. */
  title: string | null
  summary: string
}

export const RECENT_CHANGES = 20
const SUMMARY_MAX = 160
const RECORD_CHANGES = `('create', 'update', 'delete')`

type Row = Omit<RecentChange, 'summary' | 'at'> & { at: Date | string; changes: ChangeEntry[] }

const columns = `h.id::int AS id, h.resource, h.record_id AS "recordId", h.action, h.actor_email AS actor, h.created_at AS at, h.changes,
  CASE h.resource
    WHEN 'Client' THEN (SELECT login FROM clients WHERE id = h.record_id)
    WHEN 'AdminUser' THEN (SELECT name FROM admin_users WHERE id = h.record_id)
    WHEN 'Product' THEN (SELECT name FROM products WHERE id = h.record_id)
  END AS title`
const newestFirst = 'ORDER BY h.created_at DESC, h.id DESC'

/** Entries a manager may see: their own clients' (by current manager), made by anyone but another manager. */
const notByAnotherManager = `NOT EXISTS (SELECT 1 FROM admin_users a WHERE a.id = h.actor_id AND a.role = 'manager' AND a.id <> :managerId)`

/**
 * Every record change for an administrator; for a manager, those of the clients they manage now,
 * leaving out what other managers did (nothing of another manager reaches their page).
 *
 * A manager's entries come one of two ways, whichever reads fewer rows: with many clients, walking
 * the whole history newest first until 20 are theirs (about 20 × all clients ÷ theirs entries);
 * with few, the newest 20 of each of their clients (one index probe per client). The switch is
 * where the two meet, at √(20 × all clients) clients.
 */
export async function recentChanges(
  sequelize: Sequelize,
  viewer: { managerId?: number; managerClients?: number; allClients?: number },
): Promise<RecentChange[]> {
  let sql: string
  if (viewer.managerId === undefined) {
    sql = `SELECT ${columns} FROM (
             SELECT * FROM change_history WHERE action IN ${RECORD_CHANGES} ORDER BY created_at DESC, id DESC LIMIT ${RECENT_CHANGES}
           ) AS h ${newestFirst}`
  } else if ((viewer.managerClients ?? 0) ** 2 < RECENT_CHANGES * (viewer.allClients ?? 0)) {
    sql = `SELECT ${columns} FROM (
             SELECT h.* FROM clients c CROSS JOIN LATERAL (
               SELECT h.* FROM change_history h
                WHERE h.client_id = c.id AND h.resource = 'Client' AND h.action IN ${RECORD_CHANGES} AND ${notByAnotherManager}
                ${newestFirst} LIMIT ${RECENT_CHANGES}
             ) AS h
             WHERE c.manager_id = :managerId ${newestFirst} LIMIT ${RECENT_CHANGES}
           ) AS h ${newestFirst}`
  } else {
    // The manager is read per entry (a subquery the planner keeps as such), so the history index
    // is walked in order and the walk stops at the 20th match.
    sql = `SELECT ${columns} FROM (
             SELECT h.* FROM change_history h
              WHERE h.resource = 'Client' AND h.action IN ${RECORD_CHANGES}
                AND (SELECT c.manager_id FROM clients c WHERE c.id = h.client_id) = :managerId
                AND ${notByAnotherManager}
              ${newestFirst} LIMIT ${RECENT_CHANGES}
           ) AS h ${newestFirst}`
  }
  const rows = (await sequelize.query(sql, { replacements: { managerId: viewer.managerId }, type: QueryTypes.SELECT })) as Row[]
  return rows.map(({ changes, at, ...row }) => ({
    ...row,
    title: row.title ?? recordedTitle(row.resource, row.action, changes),
    at: new Date(at).toISOString(),
    summary: summarize(row.resource, row.action, changes),
  }))
}

const titleColumns: Record<string, string> = { Client: 'login', AdminUser: 'name', Product: 'name' }

/** A deleted record's title, as its history entry kept it. */
function recordedTitle(resource: string, action: string, changes: ChangeEntry[]): string | null {
  const entry = changes.find((change) => change.field === titleColumns[resource])
  const value = action === 'delete' ? entry?.old : entry?.new
  return value === undefined || value === null ? null : String(value)
}

/**
 * What a new or deleted record held, in form order: the values a user chose, not the defaults
 * every record starts with, nor that it has a password.
 */
function heldValues(definition: ResourceDefinition | undefined, action: string, changes: ChangeEntry[]): ChangeEntry[] {
  if (!definition) return changes
  const fields = fieldsOf(definition)
  const position = new Map(fields.map(([name], i) => [columnName(name), i]))
  const defaults = new Map(fields.map(([name, def]) => [columnName(name), def.default]))
  return changes
    .filter((change) => {
      if (change.passwordChanged || change.field === 'password') return false
      const value = action === 'delete' ? change.old : change.new
      const fallback = defaults.get(change.field)
      if (fallback === undefined) return true
      const numeric = typeof value === 'number' && typeof fallback !== 'boolean' && value === Number(fallback)
      return !numeric && String(value) !== String(fallback)
    })
    .sort((a, b) => (position.get(a.field) ?? Infinity) - (position.get(b.field) ?? Infinity))
}

/**
 * One line in the form's words: what an update changed ("Allow credit: 0.00 → 5000.00; …"), what
 * a new or deleted record held ("Login: acme; Currency: EUR; …"), cut at SUMMARY_MAX characters.
 */
export function summarize(resource: string, action: string, changes: ChangeEntry[]): string {
  const definition = definitions[resource as keyof typeof definitions]
  let lines = describeChanges(definition, action === 'update' ? changes : heldValues(definition, action, changes))
  if (action === 'create') lines = lines.map((line) => line.replace(': (empty) → ', ': '))
  if (action === 'delete') lines = lines.map((line) => line.replace(/ → \(empty\)$/, ''))
  const line = lines.join('; ')
  if (!line) return action === 'delete' ? 'Deleted' : action === 'create' ? 'Created' : 'Changed'
  return line.length > SUMMARY_MAX ? `${line.slice(0, SUMMARY_MAX - 1).trimEnd()}…` : line
}
