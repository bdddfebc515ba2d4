import { ForbiddenError, type CurrentAdmin } from 'adminjs'
import type { Sequelize } from 'sequelize'
import { checkRole, isStaff } from '../access/index.js'
import { selectRowSets, type PreparedStatement } from '../db/select-rows.js'
import { integerSql, literal } from '../schema/desired.js'
import { recentChangesFrom, recentChangesJsonSql, type RecentChange } from '../resources/change-history/recent-changes.js'
import { countCreatedSinceEachSql, countsByEachSql, type CountsByEachRow } from '../resources/client/client-summary.js'

/**
 * The home page's data (`GET /admin/api/dashboard`): the clients the user may see, split by
 * delivery status, currency and (for administrators) manager, how many were created lately, and
 * the latest changes. Every number is exact: it comes from the summary the database keeps in the
 * writing transactions (migration 0006), never from an estimate.
 */

export type Dashboard = {
  role: 'admin' | 'manager'
  clients: {
    total: number
    byDeliveryStatus: Record<string, number>
    /** ISO code → clients; '' = clients without a currency yet. */
    byCurrency: Record<string, number>
    /** Administrators only. */
    byManager?: { id: number; name: string; count: number }[]
    createdLast7Days: number
    createdLast30Days: number
    /** The moments the two "created in the last …" counts start from (what their list links filter on). */
    createdSince: { last7Days: string; last30Days: string }
  }
  recentChanges: RecentChange[]
}

const DAY_MS = 24 * 60 * 60 * 1000
const DELIVERY_STATUSES = ['active', 'expired']

/**
 * The page's reads as one statement, one JSON value per part, kept prepared on each connection:
 * one round trip (with the session's statement when the lane sends it ahead) and no planning
 * (docs/benchmarks.md, issue #30). $1 and $2: the "created since" moments; $3: the manager's id
 * (a manager's page only).
 */
function pageStatement(name: string, managerIdSql?: string): Omit<PreparedStatement, 'execute'> {
  const users = managerIdSql === undefined ? `(SELECT json_agg(u ORDER BY u.id) FROM (SELECT id, name, role, active FROM admin_users) AS u)` : 'NULL'
  const text = `SELECT (SELECT coalesce(json_agg(c), '[]') FROM (${countsByEachSql(managerIdSql)}) AS c) AS counts,
                 (SELECT row_to_json(s) FROM (${countCreatedSinceEachSql(['$1', '$2'], managerIdSql)}) AS s) AS created,
                 (${recentChangesJsonSql(managerIdSql)}) AS changes,
                 ${users} AS users`
  return { name, prepare: `PREPARE ${name}(text, text${managerIdSql === undefined ? '' : ', int'}) AS ${text}` }
}
const ADMIN_PAGE = pageStatement('dashboard_admin')
const MANAGER_PAGE = pageStatement('dashboard_manager', '$3')

type PageRow = {
  counts: CountsByEachRow[]
  created: Record<string, number>
  changes: Record<string, unknown>[]
  users: { id: number; name: string; role: string; active: boolean }[] | null
}

export async function dashboardData(sequelize: Sequelize, currentAdmin: CurrentAdmin | undefined, now = new Date()): Promise<Dashboard> {
  if (!isStaff({ currentAdmin })) throw new ForbiddenError('forbiddenError')
  const isAdmin = checkRole(currentAdmin, 'admin')
  const managerId = isAdmin ? undefined : Number(currentAdmin!.id)
  const since = {
    last7Days: new Date(now.getTime() - 7 * DAY_MS).toISOString(),
    last30Days: new Date(now.getTime() - 30 * DAY_MS).toISOString(),
  }

  const page = isAdmin ? ADMIN_PAGE : MANAGER_PAGE
  const values = [literal(since.last7Days), literal(since.last30Days), ...(managerId === undefined ? [] : [integerSql(managerId)])]
  const [[{ counts, created, changes, users }]] = (await selectRowSets(sequelize, [{ ...page, execute: `EXECUTE ${page.name}(${values.join(', ')})` }])) as PageRow[][]

  let total = 0
  const byDeliveryStatus: Record<string, number> = Object.fromEntries(DELIVERY_STATUSES.map((status) => [status, 0]))
  const byCurrency: [string, number][] = []
  const byManagerId = new Map<number, number>()
  for (const row of counts) {
    if (row.kind === 'total') total = row.count
    else if (row.kind === 'deliveryStatus') byDeliveryStatus[row.deliveryStatus] = row.count
    else if (row.kind === 'currency') byCurrency.push([row.currency, row.count])
    else byManagerId.set(row.managerId, row.count)
  }

  const clients: Dashboard['clients'] = {
    total,
    byDeliveryStatus,
    byCurrency: Object.fromEntries(byCurrency.sort(([a, x], [b, y]) => y - x || a.localeCompare(b))),
    createdLast7Days: created['0'] as number,
    createdLast30Days: created['1'] as number,
    createdSince: since,
  }
  if (isAdmin) {
    // Every active manager (with or without clients) and anyone else who holds clients.
    clients.byManager = (users ?? [])
      .filter((user) => (user.role === 'manager' && user.active) || byManagerId.has(user.id))
      .map((user) => ({ id: user.id, name: user.name, count: byManagerId.get(user.id) ?? 0 }))
      .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name))
  }
  return {
    role: isAdmin ? 'admin' : 'manager',
    clients,
    recentChanges: await recentChangesFrom(sequelize, changes, { managerId, currentAdmin }),
  }
}
