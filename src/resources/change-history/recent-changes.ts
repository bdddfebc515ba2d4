import type { CurrentAdmin } from 'adminjs'
import { QueryTypes, type Sequelize } from 'sequelize'
import type { ResourceDefinition } from '../../fields/model.js'
import { entryOf, registry } from '../registry.js'
import { ident, integerSql, literal } from '../../schema/desired.js'
import { describeChanges, formPlaces, type ChangeEntry, type ReferenceTitle } from './describe-changes.js'
import { referenceTitles, titleColumns } from './reference-titles.js'

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
  /** The record type as people say it: "Sender name". */
  resourceLabel: string
  summary: string
}

export const RECENT_CHANGES = 20
const SUMMARY_MAX = 160
const RECORD_CHANGES = `('create', 'update', 'delete')`

type Row = Omit<RecentChange, 'summary' | 'at' | 'resourceLabel'> & { at: Date | string; changes: ChangeEntry[] }

/** Each recorded resource's title column, read from the registry: one WHEN per resource. */
const titleNow = registry
  .filter(({ definition }) => definition.history && titleColumns[definition.name])
  .map(({ definition }) => `    WHEN ${literal(definition.name)} THEN (SELECT ${ident(titleColumns[definition.name])} FROM ${ident(definition.table)} WHERE id = h.record_id)`)
  .join('\n')

const columns = `h.id::int AS id, h.resource, h.record_id AS "recordId", h.action, h.actor_email AS actor, h.created_at AS at, h.changes,
  CASE h.resource
${titleNow}
  END AS title`
const newestFirst = 'ORDER BY h.created_at DESC, h.id DESC'

/**
 * Every record change for an administrator; for a manager, the changes made to their clients while
 * they were theirs (client_change_owners, migration 0006) of the clients they still manage, and
 * none by another manager: nothing of another manager reaches their page. Either way an index is
 * read newest first, and only as far as the 20th entry.
 *
 * This is the first read, as one JSON array (newest first) for the caller to fetch along with
 * others: `managerIdSql` is the manager's id as SQL (a parameter such as `$3`), none for an
 * administrator. recentChangesFrom reads on from its rows and presents them.
 */
export function recentChangesJsonSql(managerIdSql?: string): string {
  if (managerIdSql === undefined) {
    return `SELECT coalesce(json_agg(h ORDER BY h.at DESC, h.id DESC), '[]') FROM (
              SELECT ${columns} FROM (
                SELECT * FROM change_history WHERE action IN ${RECORD_CHANGES} ORDER BY created_at DESC, id DESC LIMIT ${RECENT_CHANGES}
              ) AS h
            ) AS h`
  }
  return `SELECT coalesce(json_agg(b ORDER BY CAST(b."ownedAt" AS timestamptz) DESC, b."ownedId" DESC), '[]') FROM (${managerBatchSql(managerIdSql)}) AS b`
}

type ManagerRow = Row & { ownedAt: string; ownedId: number; kept: boolean }

// A manager's entries are read a batch of their index at a time, each entry checked (still
// theirs, not by another manager) by primary key: the client check is a subquery per entry, so
// the planner cannot turn it into a scan of all their clients. One batch is nearly always enough.
// The cursor keeps the timestamp as PostgreSQL's text (to the microsecond; a Date keeps milliseconds).
const managerBatchSql = (managerIdSql: string, after?: { at: string; id: number }) =>
  `SELECT ${columns}, o.created_at::text AS "ownedAt", o.change_id AS "ownedId", h.id IS NOT NULL AS kept FROM (
     SELECT change_id, created_at FROM client_change_owners
      WHERE manager_id = ${managerIdSql} ${after ? `AND (created_at, change_id) < (CAST(${literal(after.at)} AS timestamptz), ${Number(after.id)})` : ''}
      ORDER BY created_at DESC, change_id DESC LIMIT ${OWNER_BATCH}
   ) AS o LEFT JOIN LATERAL (
     SELECT h.* FROM change_history h
      WHERE h.id = o.change_id AND h.action IN ${RECORD_CHANGES}
        AND (SELECT c.manager_id FROM clients c WHERE c.id = h.client_id) = ${managerIdSql}
        AND NOT EXISTS (SELECT 1 FROM admin_users a WHERE a.id = h.actor_id AND a.role = 'manager' AND a.id <> ${managerIdSql})
   ) AS h ON true
   ORDER BY o.created_at DESC, o.change_id DESC`

/**
 * The latest changes from the rows of recentChangesJsonSql: a manager's further batches where the
 * first one held too few, and the names of the records their fields refer to, read here.
 */
export async function recentChangesFrom(
  sequelize: Sequelize,
  firstRows: Record<string, unknown>[],
  viewer: { managerId?: number; currentAdmin?: CurrentAdmin },
): Promise<RecentChange[]> {
  const present = async (rows: Row[]) => presentRows(rows, await referenceTitles(sequelize, rows, viewer))
  const { managerId } = viewer
  if (managerId === undefined) return present(firstRows as Row[])
  const found: ManagerRow[] = []
  let batch = firstRows as ManagerRow[]
  for (;;) {
    found.push(...batch.filter((row) => row.kept))
    if (found.length >= RECENT_CHANGES || batch.length < OWNER_BATCH) break
    const last = batch[batch.length - 1]
    batch = (await select(sequelize, managerBatchSql(integerSql(managerId), { at: last.ownedAt, id: Number(last.ownedId) }))) as ManagerRow[]
  }
  return present(found.slice(0, RECENT_CHANGES).map(({ ownedAt, ownedId, kept, ...row }) => row))
}

const OWNER_BATCH = 50

const select = (sequelize: Sequelize, sql: string) => sequelize.query(sql, { type: QueryTypes.SELECT }) as Promise<Row[]>

function presentRows(rows: Row[], title: ReferenceTitle): RecentChange[] {
  return rows.map(({ changes, at, ...row }) => ({
    ...row,
    title: row.title ?? recordedTitle(row.resource, row.action, changes),
    resourceLabel: entryOf(row.resource)?.label ?? row.resource,
    at: new Date(at).toISOString(),
    summary: summarize(row.resource, row.action, changes, title),
  }))
}

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
  const places = formPlaces(definition)
  return changes
    .filter((change) => {
      if (change.passwordChanged || change.field === 'password') return false
      const value = action === 'delete' ? change.old : change.new
      const fallback = places.get(change.field)?.def.default
      if (fallback === undefined) return true
      const numeric = typeof value === 'number' && typeof fallback !== 'boolean' && value === Number(fallback)
      return !numeric && String(value) !== String(fallback)
    })
    .sort((a, b) => (places.get(a.field)?.position ?? Infinity) - (places.get(b.field)?.position ?? Infinity))
}

/**
 * One line in the form's words: what an update changed ("Allow credit: 0.00 → 5000.00; …"), what
 * a new or deleted record held ("Login: acme; Currency: EUR; …"), cut at SUMMARY_MAX characters.
 */
export function summarize(resource: string, action: string, changes: ChangeEntry[], title?: ReferenceTitle): string {
  const definition = entryOf(resource)?.definition
  let lines = describeChanges(definition, action === 'update' ? changes : heldValues(definition, action, changes), title)
  if (action === 'create') lines = lines.map((line) => line.replace(': (empty) → ', ': '))
  if (action === 'delete') lines = lines.map((line) => line.replace(/ → \(empty\)$/, ''))
  const line = lines.join('; ')
  if (!line) return action === 'delete' ? 'Deleted' : action === 'create' ? 'Created' : 'Changed'
  return line.length > SUMMARY_MAX ? `${line.slice(0, SUMMARY_MAX - 1).trimEnd()}…` : line
}
