import { QueryTypes, type Sequelize } from 'sequelize'
import { selectRows } from '../../db/select-rows.js'

/**
 * Reads the client counts that the database keeps current (migration 0006: client_counts and
 * client_created_per_day plus the changes the triggers appended since the last compaction, written
 * in every writing transaction). Exact at any table size, in a few small reads; nothing here counts
 * the clients table itself, except the rows of one day for a "created since" boundary.
 */

/** How often each app instance folds the pending changes into the counts. */
export const COMPACT_EVERY_MS = 5_000

/** Folds the changes the triggers appended into the counts; returns how many it folded. */
export async function compactSummary(sequelize: Sequelize): Promise<number> {
  const [row] = (await sequelize.query('SELECT client_summary_compact()::int AS folded', { type: QueryTypes.SELECT })) as { folded: number }[]
  return row.folded
}

/** The counts and the pending changes, as one relation of (manager_id, delivery_status, currency, count). */
const countsWithChanges = (where: string) => `(
  SELECT manager_id, delivery_status, currency, count FROM client_counts ${where}
  UNION ALL
  SELECT manager_id, delivery_status, currency, n FROM client_count_changes ${where}
) AS counted`

/** A summary row: clients of one manager with one delivery status and currency ('' = not set yet). */
export type CountRow = { managerId: number; deliveryStatus: string; currency: string; count: number }

/** Which clients to count; every criterion left out matches all. `currency: null` = not set yet. */
export type CountCriteria = { managerId?: number; deliveryStatus?: string; currency?: string | null }

/** The summary rows with clients in them, of one manager or of everyone. */
export async function countRows(sequelize: Sequelize, managerId?: number): Promise<CountRow[]> {
  const rows = (await sequelize.query(
    `SELECT manager_id AS "managerId", delivery_status AS "deliveryStatus", currency, sum(count)::int AS count
       FROM ${countsWithChanges(managerId === undefined ? '' : 'WHERE manager_id = :managerId')}
      GROUP BY 1, 2, 3 HAVING sum(count) <> 0`,
    { replacements: { managerId }, type: QueryTypes.SELECT },
  )) as CountRow[]
  return rows
}

/** The number of clients matching every given criterion. */
export async function countClients(sequelize: Sequelize, criteria: CountCriteria): Promise<number> {
  // The values written in as Sequelize's replacements would write them: every client list page
  // with these filters asks this, and Sequelize's query machinery cost more than the read (select-rows.ts).
  const conditions: string[] = []
  if (criteria.managerId !== undefined) conditions.push(`manager_id = ${sequelize.escape(criteria.managerId)}`)
  if (criteria.deliveryStatus !== undefined) conditions.push(`delivery_status = ${sequelize.escape(criteria.deliveryStatus)}`)
  if (criteria.currency !== undefined) conditions.push(`currency = ${sequelize.escape(criteria.currency ?? '')}`)
  const [row] = (await selectRows(
    sequelize,
    `SELECT coalesce(sum(count), 0)::int AS total FROM ${countsWithChanges(conditions.length ? `WHERE ${conditions.join(' AND ')}` : '')}`,
  )) as { total: number }[]
  return row.total
}

/**
 * Clients created at or after `since` (what the list's `filters.createdAt~~from=<since>` shows):
 * whole days after the one `since` falls in come from the per-day counts, the rest of that day
 * from the created_at index. `since` is read by PostgreSQL, as the list's filter reads it.
 */
export async function countCreatedSince(sequelize: Sequelize, since: string, managerId?: number): Promise<number> {
  return (await countCreatedSinceEach(sequelize, [since], managerId))[0]
}

/** countCreatedSince for several moments, in one statement. */
export async function countCreatedSinceEach(sequelize: Sequelize, sinces: string[], managerId?: number): Promise<number[]> {
  const byManager = managerId === undefined ? '' : 'AND manager_id = :managerId'
  const counted = sinces.map(
    (_, i) => `(
       WITH boundary AS (SELECT CAST(:since${i} AS timestamptz) AS at, (CAST(:since${i} AS timestamptz) AT TIME ZONE 'UTC')::date AS day)
       SELECT (SELECT coalesce(sum(count), 0) FROM client_created_per_day, boundary
                WHERE client_created_per_day.day > boundary.day ${byManager})::int
            + (SELECT coalesce(sum(n), 0) FROM client_count_changes, boundary
                WHERE client_count_changes.day > boundary.day ${byManager})::int
            + (SELECT count(*) FROM clients, boundary
                WHERE created_at >= boundary.at AND created_at < ((boundary.day + 1)::timestamp AT TIME ZONE 'UTC') ${byManager})::int
     ) AS "${i}"`,
  )
  const [row] = (await sequelize.query(`SELECT ${counted.join(', ')}`, {
    replacements: { managerId, ...Object.fromEntries(sinces.map((since, i) => [`since${i}`, since])) },
    type: QueryTypes.SELECT,
  })) as Record<string, number>[]
  return sinces.map((_, i) => row[String(i)])
}

const DELIVERY_STATUSES = new Set(['active', 'expired'])
const CURRENCY_CODE = /^[A-Z]{3}$/
/** A date or timestamp both JavaScript and PostgreSQL read (ISO 8601), e.g. 2024-05-01T10:00:00.000Z. */
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$/

/**
 * The client list's exact total from the summary, for the filters the home page links to: any of
 * Manager, Delivery Status and Currency (a code, or NOT_SET_FILTER), or "created since" (a `from`
 * date, optionally with a Manager). Anything else is undefined: the list counts as usual.
 * `scopedTo` is the row scope's manager (a manager's list only ever holds their own clients).
 */
export async function summaryTotal(
  sequelize: Sequelize,
  filters: Record<string, unknown>,
  scopedTo: number | undefined,
  notSet: string,
): Promise<number | undefined> {
  const { managerId: managerFilter, deliveryStatus, currency, createdAt, ...others } = filters
  if (Object.keys(others).length) return undefined
  let managerId = scopedTo
  if (managerFilter !== undefined) {
    if (typeof managerFilter !== 'string' || !/^\d{1,9}$/.test(managerFilter)) return undefined
    if (scopedTo !== undefined && Number(managerFilter) !== scopedTo) return 0
    managerId = Number(managerFilter)
  }
  if (createdAt !== undefined) {
    const range = createdAt as { from?: unknown; to?: unknown }
    if (deliveryStatus !== undefined || currency !== undefined || typeof range !== 'object' || range === null) return undefined
    if (range.to !== undefined || typeof range.from !== 'string' || !ISO_TIMESTAMP.test(range.from)) return undefined
    return countCreatedSince(sequelize, range.from, managerId)
  }
  if (deliveryStatus !== undefined && !(typeof deliveryStatus === 'string' && DELIVERY_STATUSES.has(deliveryStatus))) return undefined
  if (currency !== undefined && !(currency === notSet || (typeof currency === 'string' && CURRENCY_CODE.test(currency)))) return undefined
  return countClients(sequelize, {
    managerId,
    deliveryStatus: deliveryStatus as string | undefined,
    currency: currency === undefined ? undefined : currency === notSet ? null : (currency as string),
  })
}
