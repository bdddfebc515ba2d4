import type { CurrentAdmin } from 'adminjs'
import type { Sequelize } from 'sequelize'

/**
 * An export as an entry of the change history (action `export`): who, which query, how many rows,
 * so a leak can be traced. The entry describes the resource as a whole (record 0); its `changes`
 * hold one item, `{ field: 'export', rows, filter, sort, ids?, aborted? }`, which
 * describe-changes.ts reads as "Exported 1,234 clients (filter: deliveryStatus=active)".
 */

export type ExportEntry = {
  resource: string
  actor: CurrentAdmin
  /** The list's filters as sent (`{ deliveryStatus: 'active', 'createdAt~~from': '2024-01-01' }`). */
  filter: Record<string, unknown>
  sort: { sortBy: string; direction: 'asc' | 'desc' }
  /** A selection's ids, when the export was of a selection. */
  ids?: number[]
  /** Rows written to the response. */
  rows: number
  /** The client went away (or the stream failed) before the last row. */
  aborted?: boolean
}

/** Record 0: the entry is about the resource, not one record (record_id is NOT NULL). */
const WHOLE_RESOURCE = 0

export async function recordExport(sequelize: Sequelize, entry: ExportEntry) {
  const change = {
    field: 'export',
    rows: entry.rows,
    filter: entry.filter,
    sort: entry.sort,
    ...(entry.ids && { ids: entry.ids }),
    ...(entry.aborted && { aborted: true }),
  }
  await sequelize.query(
    `INSERT INTO change_history (resource, record_id, action, actor_id, actor_email, changes)
     VALUES (:resource, :recordId, 'export', :actorId, :actorEmail, CAST(:changes AS jsonb))`,
    {
      replacements: {
        resource: entry.resource,
        recordId: WHOLE_RESOURCE,
        actorId: Number(entry.actor.id),
        actorEmail: String(entry.actor.email),
        changes: JSON.stringify([change]),
      },
    },
  )
}
