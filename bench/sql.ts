import { createHash } from 'node:crypto'
import type pg from 'pg'
import { escapeLike, wordChunksPattern } from '../src/db/like-patterns.js'

/**
 * The SQL the app sends for each read scenario, as captured from the running production server
 * (`ALTER DATABASE bench_1000000 SET log_statement = 'all'`), per request:
 *
 *   SELECT s.sess, u.id, u.email, … FROM sessions s LEFT JOIN admin_users u … WHERE s.sid = $1 …  -- session + account
 *   unfiltered, ≥ 100,000 rows by the estimate (reltuples, read at most every 10 s):
 *     SELECT "page".*, (SELECT "name" FROM "admin_users" AS "referenced" WHERE "referenced"."id" = "page"."managerId")
 *       AS "__titleOf.managerId" FROM (SELECT "id", "login", …listed columns… FROM "clients" AS "Client"
 *       ORDER BY "createdAt" DESC, "Client"."id" DESC LIMIT 10 OFFSET 0) AS "page" ORDER BY "page"."createdAt" DESC, "page"."id" DESC
 *   filtered: EXPLAIN (FORMAT JSON) SELECT "id" FROM "clients" AS "Client" WHERE …  (at most every 10 s per filter)
 *     estimate ≥ 10,000: the page query above with the filter;
 *     otherwise one pass over at most 1,001 matches for the total and the page's rows, its text
 *     conditions of several words written for the trigram index (src/panel/adapter/filters.ts containing):
 *       WITH hits AS MATERIALIZED (SELECT "id", "created_at" AS "createdAt" FROM "clients" AS "Client"
 *         WHERE … "company" ILIKE '%nor%dic%par%cel%' AND ("company" || '') ILIKE '%nordic parcel%' … LIMIT 1001),
 *         picked AS (SELECT id FROM hits ORDER BY … LIMIT 10 OFFSET 0)
 *       SELECT counted.total AS "__total", page.* FROM (SELECT count(*) …) AS counted
 *         LEFT JOIN LATERAL (the page query, with `WHERE "Client"."id" IN (SELECT id FROM picked)`) AS page ON true
 *     (past 1,000 matches, then the page query with the filter)
 *
 * Unfiltered or filtered by manager only (the home page's links), the total is exact from the home
 * page's summary (migration 0006) instead of an estimate or a count, then the page query:
 *     SELECT coalesce(sum(count), 0)::int AS total FROM (SELECT … FROM client_counts [WHERE manager_id = …]
 *       UNION ALL SELECT … FROM client_count_changes [WHERE …]) AS counted
 *
 * Show: every column of the client `WHERE "Client"."id" = 500000 LIMIT 1`, with its manager's and
 * product's names as subqueries (AdminJS's populate then finds them already read).
 *
 * The baseline runs the resource's statements, text for text (simple query protocol, literals
 * inline, as Sequelize sends them); not the session statement, which is the panel's own
 * per-request cost. The estimates are kept for 10 s, as the app keeps them.
 */

export type ListQuery = { page: number; login?: string; company?: string; email?: string; q?: string; managerId?: number }

/**
 * The fields the client definition marks `search: true`, which the search box looks in: one LIKE
 * over their stored, lower-cased search text (src/fields/model.ts SEARCH_TEXT_COLUMN, served by clients_search_trgm).
 */
const SEARCH_TEXT = `"search_text"`

export const PER_PAGE = 10
/** The app's thresholds (src/panel/adapter/list-sql.ts). */
export const ESTIMATE_ABOVE = 100_000
export const COUNT_CAP = 1_000
export const ESTIMATE_TTL_MS = 10_000
export const BROAD_ABOVE = 10 * COUNT_CAP

const camel = (column: string) => column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())
const quote = (value: string) => `'${value.replace(/'/g, "''")}'`
/**
 * `sql ILIKE '%text%'` as the app writes it (filters.ts containing), or `sql LIKE lower('%text%')`
 * on lower-cased SQL, `forScan` for the pass over every match.
 */
function containing(sql: string, unqualified: string, text: string, forScan: boolean, lowerCased = false) {
  const like = (pattern: string) => (lowerCased ? `LIKE lower(${quote(pattern)})` : `ILIKE ${quote(pattern)}`)
  const pattern = `%${escapeLike(text)}%`
  const chunks = forScan ? wordChunksPattern(text) : undefined
  return chunks ? `(${sql} ${like(chunks)} AND (${unqualified} || '') ${like(pattern)})` : `${sql} ${like(pattern)}`
}

/** Column lists as Sequelize writes them (`"manager_id" AS "managerId"`), hashes left out like the default scope, and the stored search text (no attribute). */
export async function selectLists(db: pg.Pool | pg.Client) {
  const columns = async (table: string) => {
    const { rows } = await db.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`,
      [table],
    )
    return rows
      .map((row) => row.column_name)
      .filter((column) => column !== 'password_hash' && column !== 'search_text')
      .map((column) => (camel(column) === column ? `"${column}"` : `"${column}" AS "${camel(column)}"`))
      .join(', ')
  }
  return { clients: await columns('clients'), adminUsers: await columns('admin_users'), products: await columns('products') }
}

export type Columns = Awaited<ReturnType<typeof selectLists>>

export function whereOf(query: ListQuery, forScan = false): string {
  const conditions: string[] = []
  for (const column of ['login', 'company', 'email'] as const) {
    const text = query[column]
    if (text) conditions.push(containing(`"Client"."${column}"`, `"${column}"`, text, forScan))
  }
  if (query.q) conditions.push(containing(SEARCH_TEXT, SEARCH_TEXT, query.q, forScan, true))
  if (query.managerId !== undefined) conditions.push(`"Client"."manager_id" = ${Number(query.managerId)}`)
  return conditions.length ? ` WHERE (${conditions.join(' AND ')})` : ''
}

const ORDER = `ORDER BY "createdAt" DESC, "Client"."id" DESC`
/** The listed columns, as the app selects them for a list page. */
const LISTED = `"id", "login", "manager_id" AS "managerId", "currency", "company", "delivery_status" AS "deliveryStatus", "created_at" AS "createdAt"`
/** The Manager column's title, computed around the cut page (as the app does). */
const withTitles = (page: string) =>
  `SELECT "page".*, (SELECT "name" FROM "admin_users" AS "referenced" WHERE "referenced"."id" = "page"."managerId") AS "__titleOf.managerId" FROM (${page}) AS "page" ORDER BY "page"."createdAt" DESC, "page"."id" DESC`

export const pageSql = (_columns: Columns, query: ListQuery) =>
  withTitles(`SELECT ${LISTED} FROM "clients" AS "Client"${whereOf(query)} ${ORDER} LIMIT ${PER_PAGE} OFFSET ${(query.page - 1) * PER_PAGE}`)

export const hitsSql = (query: ListQuery) =>
  `WITH hits AS MATERIALIZED (SELECT "id", "created_at" AS "createdAt" FROM "clients" AS "Client"${whereOf(query, true)} LIMIT ${COUNT_CAP + 1}),
            picked AS (SELECT id FROM hits ORDER BY "createdAt" DESC, id DESC LIMIT ${PER_PAGE} OFFSET ${(query.page - 1) * PER_PAGE})
       SELECT counted.total AS "__total", page.*
         FROM (SELECT count(*)::int AS total FROM hits) AS counted
         LEFT JOIN LATERAL (${withTitles(`SELECT ${LISTED} FROM "clients" AS "Client" WHERE "Client"."id" IN (SELECT id FROM picked) ${ORDER}`)}) AS page ON true`

const explainSql = (query: ListQuery) => `EXPLAIN (FORMAT JSON) SELECT "id" FROM "clients" AS "Client"${whereOf(query)}`

/** The list's exact total from the home page's summary (src/resources/client/client-summary.ts). */
export const summaryTotalSql = (managerId?: number) => {
  const where = managerId === undefined ? '' : `WHERE manager_id = ${Number(managerId)}`
  return `SELECT coalesce(sum(count), 0)::int AS total FROM (
  SELECT manager_id, delivery_status, currency, count FROM client_counts ${where}
  UNION ALL
  SELECT manager_id, delivery_status, currency, n FROM client_count_changes ${where}
) AS counted`
}

export const estimateSql = `SELECT reltuples::bigint AS estimate FROM pg_class WHERE oid = to_regclass('clients')`

export const showSql = (columns: Columns, id: number) =>
  `SELECT "page".*, (SELECT "name" FROM "admin_users" AS "referenced" WHERE "referenced"."id" = "page"."managerId") AS "__titleOf.managerId", ` +
  `(SELECT "name" FROM "products" AS "referenced" WHERE "referenced"."id" = "page"."productId") AS "__titleOf.productId" ` +
  `FROM (SELECT ${columns.clients} FROM "clients" AS "Client" WHERE "Client"."id" = ${Number(id)} LIMIT 1) AS "page"`

const estimates = new Map<string, { rows: number; at: number }>()

/**
 * A list page as the app computes it (see above); `statements` are the statements it ran, in order
 * (the estimate only when it was read).
 */
export async function listPage(db: pg.Pool, columns: Columns, query: ListQuery) {
  const statements: string[] = []
  const run = async (sql: string) => {
    statements.push(sql)
    return (await db.query(sendable(sql))).rows
  }
  const planned = async (sql: string, read: (row: Record<string, any>) => number) => {
    const cached = estimates.get(sql)
    if (cached && Date.now() - cached.at < ESTIMATE_TTL_MS) return cached.rows
    const rows = read((await run(sql))[0] ?? {})
    estimates.set(sql, { rows, at: Date.now() })
    return rows
  }
  const page = async (atLeast: number) => {
    const rows = await run(pageSql(columns, query))
    const offset = (query.page - 1) * PER_PAGE
    const exact = rows.length < PER_PAGE && (rows.length > 0 || offset === 0)
    return { rows, total: exact ? offset + rows.length : Math.max(atLeast, offset + rows.length) }
  }
  let result: { rows: Record<string, unknown>[]; total: number }
  if (!query.login && !query.company && !query.email && !query.q) {
    const [{ total }] = await run(summaryTotalSql(query.managerId))
    result = { rows: await run(pageSql(columns, query)), total }
  } else if (!whereOf(query)) {
    const estimate = await planned(estimateSql, (row) => Number(row.estimate ?? -1))
    if (estimate >= ESTIMATE_ABOVE) result = await page(estimate)
  } else {
    const estimate = await planned(explainSql(query), (row) => Number(row['QUERY PLAN']?.[0]?.Plan?.['Plan Rows'] ?? 0))
    if (estimate >= BROAD_ABOVE) result = await page(COUNT_CAP)
  }
  result ??= await (async () => {
    const found = await run(hitsSql(query))
    const total = Number(found[0]?.__total ?? 0)
    if (total > COUNT_CAP) return page(COUNT_CAP)
    const rows = found.filter((row) => row.id !== null)
    for (const row of rows) delete row.__total
    return { rows, total }
  })()
  return { records: result.rows, total: result.total, statements }
}

/**
 * A statement as the baseline sends it: as text (planned at every run), or with
 * BASELINE_PREPARED=1 as a named statement node-postgres prepares once per connection (as the app
 * keeps the SELECTs it sends again and again prepared: src/db/select-rows.ts).
 */
const prepared = process.env.BASELINE_PREPARED === '1'
const sendable = (sql: string) => (prepared ? { name: `b_${createHash('sha1').update(sql).digest('hex').slice(0, 24)}`, text: sql } : sql)

/** Show as the app reads it: every column of the row and its references' titles, in one statement. */
export async function showRecord(db: pg.Pool, columns: Columns, id: number) {
  const statements = [showSql(columns, id)]
  const { rows } = await db.query(sendable(statements[0]))
  return { record: rows[0] ?? null, statements }
}
