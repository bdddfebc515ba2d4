import { QueryTypes, type Sequelize } from 'sequelize'
import type { TotalStatement } from '../../db/select-rows.js'
import { integerSql, literal } from '../../schema/desired.js'

/**
 * Reads the client counts that the database keeps current (migration 0006: client_counts and
 * client_created_per_day plus the changes the triggers appended since the last compaction, written
 * in every writing transaction). Exact at any table size, in a few small reads; nothing here counts
 * the clients table itself, except the rows of one day for a "created since" boundary.
 */

/** How often each app instance folds the pending changes into the counts. */
export const COMPACT_EVERY_MS = 5_000

/**
 * Folded rows from which the changes' table is vacuumed at once. Every client list's exact total
 * reads that table whole, dead rows and empty pages included: after a bulk edit of 10,000 clients
 * (and its undo) it held 37,888 dead rows in 275 pages and that read took 1.1–3.1 ms; grown by
 * more of them to 893 pages, 6–16 ms; vacuumed and cut back to no pages, 0.2 ms (bench_1000000,
 * where autovacuum is off; where it is on, it comes round within a minute or so). Vacuumed at once,
 * the space is reused by the next changes instead of the table growing; VACUUM also cuts the empty
 * pages off its end when no reader holds the table at that moment.
 */
const VACUUM_AFTER_ROWS = 1000

/**
 * Rows folded since the last VACUUM, per database: counted across folds, as small folds leave their
 * dead rows too (on bench_1000000, 77,970 of them in 560 pages after a day of small ones, and every
 * list's total took 1.9 ms instead of 0.07 ms). The counts' own table, which every list also reads
 * whole, gets a dead row per count each fold changes: it is vacuumed with them. A process's first
 * fold does not know what earlier processes left: it vacuums when the folded table is not empty
 * on disk (BLOATED_BYTES).
 */
const foldedSinceVacuum = new WeakMap<Sequelize, number>()
const BLOATED_BYTES = 8 * 8192

/** Folds the changes the triggers appended into the counts; returns how many it folded. */
export async function compactSummary(sequelize: Sequelize): Promise<number> {
  const first = !foldedSinceVacuum.has(sequelize)
  const sizeSql = first ? `, pg_relation_size('client_count_changes') >= ${BLOATED_BYTES} AS bloated` : ''
  const [row] = (await sequelize.query(`SELECT client_summary_compact()::int AS folded${sizeSql}`, { type: QueryTypes.SELECT })) as { folded: number; bloated?: boolean }[]
  const folded = (foldedSinceVacuum.get(sequelize) ?? 0) + row.folded
  const due = folded >= VACUUM_AFTER_ROWS || row.bloated === true
  foldedSinceVacuum.set(sequelize, due ? 0 : folded)
  if (due) await sequelize.query('VACUUM client_count_changes, client_counts')
  return row.folded
}

/** The counts and the pending changes, as one relation of (manager_id, delivery_status, currency, count). */
const countsWithChanges = (where: string) => `(
  SELECT manager_id, delivery_status, currency, count FROM client_counts ${where}
  UNION ALL
  SELECT manager_id, delivery_status, currency, n FROM client_count_changes ${where}
) AS counted`

/** Which clients to count; every criterion left out matches all. `currency: null` = not set yet. */
export type CountCriteria = { managerId?: number; deliveryStatus?: string; currency?: string | null }

/** A line of countsByEachSql: the clients of one manager, one delivery status or one currency ('' = not set yet), or all of them. */
export type CountsByEachRow = { kind: 'manager' | 'deliveryStatus' | 'currency' | 'total'; managerId: number; deliveryStatus: string; currency: string; count: number }

/**
 * One manager's clients or everyone's, counted per manager, per delivery status, per currency and
 * in all, in one statement (grouping sets): a few dozen lines, not one per manager, status and
 * currency. Lines with no clients are left out (every summary line counts ≥ 0 clients).
 * `managerIdSql`: the manager's id as SQL (a parameter such as `$3`).
 */
export function countsByEachSql(managerIdSql?: string): string {
  return `SELECT CASE WHEN GROUPING(manager_id) = 0 THEN 'manager' WHEN GROUPING(delivery_status) = 0 THEN 'deliveryStatus'
                      WHEN GROUPING(currency) = 0 THEN 'currency' ELSE 'total' END AS kind,
                 manager_id AS "managerId", delivery_status AS "deliveryStatus", currency, sum(count)::int AS count
            FROM ${countsWithChanges(managerIdSql === undefined ? '' : `WHERE manager_id = ${managerIdSql}`)}
           GROUP BY GROUPING SETS ((manager_id), (delivery_status), (currency), ())
          HAVING sum(count) <> 0`
}

/** The statement that reads the number of clients matching every given criterion (as `total`). */
export function countClientsSql(sequelize: Sequelize, criteria: CountCriteria): string {
  // The values written in as Sequelize's replacements would write them: every client list page
  // with these filters asks this, and Sequelize's query machinery cost more than the read (select-rows.ts).
  const conditions: string[] = []
  if (criteria.managerId !== undefined) conditions.push(`manager_id = ${sequelize.escape(criteria.managerId)}`)
  if (criteria.deliveryStatus !== undefined) conditions.push(`delivery_status = ${sequelize.escape(criteria.deliveryStatus)}`)
  if (criteria.currency !== undefined) conditions.push(`currency = ${sequelize.escape(criteria.currency ?? '')}`)
  return `SELECT coalesce(sum(count), 0)::int AS total FROM ${countsWithChanges(conditions.length ? `WHERE ${conditions.join(' AND ')}` : '')}`
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
  const sql = countCreatedSinceEachSql(sinces.map(literal), managerId === undefined ? undefined : integerSql(managerId))
  const [row] = (await sequelize.query(sql, { type: QueryTypes.SELECT })) as Record<string, number>[]
  return sinces.map((_, i) => row[String(i)])
}

/**
 * countCreatedSinceEach's statement: one row, the count since the i-th moment in column "i". The
 * moments and the manager's id are given as SQL (literals, or parameters such as `$1`).
 */
export function countCreatedSinceEachSql(sinceSqls: string[], managerIdSql?: string): string {
  const byManager = managerIdSql === undefined ? '' : `AND manager_id = ${managerIdSql}`
  const counted = sinceSqls.map(
    (since, i) => `(
       WITH boundary AS (SELECT CAST(${since} AS timestamptz) AS at, (CAST(${since} AS timestamptz) AT TIME ZONE 'UTC')::date AS day)
       SELECT (SELECT coalesce(sum(count), 0) FROM client_created_per_day, boundary
                WHERE client_created_per_day.day > boundary.day ${byManager})::int
            + (SELECT coalesce(sum(n), 0) FROM client_count_changes, boundary
                WHERE client_count_changes.day > boundary.day ${byManager})::int
            + (SELECT count(*) FROM clients, boundary
                WHERE created_at >= boundary.at AND created_at < ((boundary.day + 1)::timestamp AT TIME ZONE 'UTC') ${byManager})::int
     ) AS "${i}"`,
  )
  return `SELECT ${counted.join(', ')}`
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
 * Most of these totals are a statement, which the list sends with its page in one round trip.
 */
export async function summaryTotal(
  sequelize: Sequelize,
  filters: Record<string, unknown>,
  scopedTo: number | undefined,
  notSet: string,
): Promise<number | TotalStatement | undefined> {
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
  return {
    totalSql: countClientsSql(sequelize, {
      managerId,
      deliveryStatus: deliveryStatus as string | undefined,
      currency: currency === undefined ? undefined : currency === notSet ? null : (currency as string),
    }),
  }
}
