import type pg from 'pg'

/**
 * The SQL the app sends for each read scenario, as captured from the running production server
 * (`ALTER DATABASE bench_20000 SET log_statement = 'all'`), per request:
 *
 *   SELECT sess FROM "sessions" WHERE sid = $1 AND expire >= to_timestamp($2)        -- session store
 *   SELECT "id", "email", … FROM "admin_users" AS "AdminUser" WHERE "AdminUser"."id" = 2;  -- rights check
 *   SELECT "id", "login", … FROM "clients" AS "Client" [WHERE …] ORDER BY "createdAt" DESC, "Client"."id" DESC LIMIT 10 OFFSET 0;
 *   SELECT "id", "code", … FROM "products" AS "Product" WHERE ("Product"."id" IN (1, 2, 3));   -- reference look-ups
 *   SELECT "id", "email", … FROM "admin_users" AS "AdminUser" WHERE ("AdminUser"."id" IN (3, 14, …));
 *   SELECT reltuples::bigint AS estimate FROM pg_class WHERE oid = to_regclass('clients')   -- unfiltered only
 *   SELECT count(*)::int AS total FROM (SELECT "id" FROM "clients" AS "Client" [WHERE …] LIMIT 10001) AS capped
 *                                                              -- unless the estimate is ≥ 100,000
 *   UPDATE "sessions" SET expire = to_timestamp($1) WHERE sid = $2 RETURNING sid      -- rolling session
 *
 * Show: the clients query `WHERE ("Client"."id" = 10001) LIMIT 1`, then the two look-ups.
 *
 * The baseline runs the resource's statements (page, look-ups, count), text for text (simple query
 * protocol, literals inline, as Sequelize sends them); not the session and rights statements, which
 * are the panel's own per-request cost.
 */

export type ListQuery = { page: number; login?: string; company?: string; email?: string; managerId?: number }

export const PER_PAGE = 10
/** The app's thresholds (src/admin/app-resource.ts). */
export const ESTIMATE_ABOVE = 100_000
export const COUNT_CAP = 10_000

const camel = (column: string) => column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())
const quote = (value: string) => `'${value.replace(/'/g, "''")}'`
const escapeLike = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`)

/** Column lists as Sequelize writes them (`"manager_id" AS "managerId"`), hashes left out like the default scope. */
export async function selectLists(db: pg.Pool | pg.Client) {
  const columns = async (table: string) => {
    const { rows } = await db.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`,
      [table],
    )
    return rows
      .map((row) => row.column_name)
      .filter((column) => column !== 'password_hash')
      .map((column) => (camel(column) === column ? `"${column}"` : `"${column}" AS "${camel(column)}"`))
      .join(', ')
  }
  return { clients: await columns('clients'), adminUsers: await columns('admin_users'), products: await columns('products') }
}

export type Columns = Awaited<ReturnType<typeof selectLists>>

export function whereOf(query: ListQuery): string {
  const conditions: string[] = []
  if (query.login) conditions.push(`"Client"."login" ILIKE ${quote(`%${escapeLike(query.login)}%`)}`)
  if (query.company) conditions.push(`"Client"."company" ILIKE ${quote(`%${escapeLike(query.company)}%`)}`)
  if (query.email) conditions.push(`"Client"."email" ILIKE ${quote(`%${escapeLike(query.email)}%`)}`)
  if (query.managerId !== undefined) conditions.push(`"Client"."manager_id" = ${Number(query.managerId)}`)
  return conditions.length ? ` WHERE (${conditions.join(' AND ')})` : ''
}

export const pageSql = (columns: Columns, query: ListQuery) =>
  `SELECT ${columns.clients} FROM "clients" AS "Client"${whereOf(query)} ORDER BY "createdAt" DESC, "Client"."id" DESC LIMIT ${PER_PAGE} OFFSET ${(query.page - 1) * PER_PAGE};`

export const cappedCountSql = (query: ListQuery) =>
  `SELECT count(*)::int AS total FROM (SELECT "id" FROM "clients" AS "Client"${whereOf(query)} LIMIT ${COUNT_CAP + 1}) AS capped`

export const estimateSql = `SELECT reltuples::bigint AS estimate FROM pg_class WHERE oid = to_regclass('clients')`

export const showSql = (columns: Columns, id: number) =>
  `SELECT ${columns.clients} FROM "clients" AS "Client" WHERE ("Client"."id" = ${Number(id)}) LIMIT 1;`

const lookups = (columns: Columns, rows: { managerId?: number | null; productId?: number | null }[]) => {
  const ids = (key: 'managerId' | 'productId') =>
    [...new Set(rows.map((row) => row[key]).filter((id): id is number => id !== null && id !== undefined))].sort((a, b) => a - b)
  const products = ids('productId')
  const managers = ids('managerId')
  return [
    products.length ? `SELECT ${columns.products} FROM "products" AS "Product" WHERE ("Product"."id" IN (${products.join(', ')}));` : undefined,
    managers.length ? `SELECT ${columns.adminUsers} FROM "admin_users" AS "AdminUser" WHERE ("AdminUser"."id" IN (${managers.join(', ')}));` : undefined,
  ].filter((sql): sql is string => sql !== undefined)
}

/** A list page as the app computes it: page, reference look-ups, then the total by the app's strategy. */
export async function listPage(db: pg.Pool, columns: Columns, query: ListQuery) {
  const { rows } = await db.query(pageSql(columns, query))
  const populated = await Promise.all(lookups(columns, rows).map((sql) => db.query(sql).then((result) => result.rows)))
  let total: number | undefined
  if (!whereOf(query)) {
    const { rows: estimate } = await db.query(estimateSql)
    const value = Number(estimate[0]?.estimate ?? -1)
    if (value >= ESTIMATE_ABOVE) total = value
  }
  if (total === undefined) {
    const { rows: counted } = await db.query(cappedCountSql(query))
    total = Math.min(counted[0].total, COUNT_CAP)
  }
  return { records: rows, populated, total }
}

export async function showRecord(db: pg.Pool, columns: Columns, id: number) {
  const { rows } = await db.query(showSql(columns, id))
  const populated = await Promise.all(lookups(columns, rows).map((sql) => db.query(sql).then((result) => result.rows)))
  return { record: rows[0] ?? null, populated }
}
