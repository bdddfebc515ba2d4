import { ForbiddenError, type CurrentAdmin } from 'adminjs'
import { QueryTypes, type Sequelize } from 'sequelize'
import { checkRole, isStaff } from '../access/index.js'
import { recentChanges, type RecentChange } from '../resources/change-history/recent-changes.js'
import { countCreatedSinceEach, countRows } from '../resources/client/client-summary.js'

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

export async function dashboardData(sequelize: Sequelize, currentAdmin: CurrentAdmin | undefined, now = new Date()): Promise<Dashboard> {
  if (!isStaff({ currentAdmin })) throw new ForbiddenError('forbiddenError')
  const isAdmin = checkRole(currentAdmin, 'admin')
  const managerId = isAdmin ? undefined : Number(currentAdmin!.id)
  const since = {
    last7Days: new Date(now.getTime() - 7 * DAY_MS).toISOString(),
    last30Days: new Date(now.getTime() - 30 * DAY_MS).toISOString(),
  }

  const [rows, [created7, created30], managers, changes] = await Promise.all([
    countRows(sequelize, managerId),
    countCreatedSinceEach(sequelize, [since.last7Days, since.last30Days], managerId),
    isAdmin ? managersOf(sequelize) : Promise.resolve([]),
    recentChanges(sequelize, { managerId, currentAdmin }),
  ])

  const byDeliveryStatus: Record<string, number> = Object.fromEntries(DELIVERY_STATUSES.map((status) => [status, 0]))
  const byCurrency: Record<string, number> = {}
  const byManagerId = new Map<number, number>()
  let total = 0
  for (const row of rows) {
    total += row.count
    byDeliveryStatus[row.deliveryStatus] = (byDeliveryStatus[row.deliveryStatus] ?? 0) + row.count
    byCurrency[row.currency] = (byCurrency[row.currency] ?? 0) + row.count
    byManagerId.set(row.managerId, (byManagerId.get(row.managerId) ?? 0) + row.count)
  }

  const clients: Dashboard['clients'] = {
    total,
    byDeliveryStatus,
    byCurrency: Object.fromEntries(Object.entries(byCurrency).sort(([a, x], [b, y]) => y - x || a.localeCompare(b))),
    createdLast7Days: created7,
    createdLast30Days: created30,
    createdSince: since,
  }
  if (isAdmin) {
    // Every active manager (with or without clients) and anyone else who holds clients.
    clients.byManager = managers
      .filter((user) => (user.role === 'manager' && user.active) || byManagerId.has(user.id))
      .map((user) => ({ id: user.id, name: user.name, count: byManagerId.get(user.id) ?? 0 }))
      .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name))
  }
  return {
    role: isAdmin ? 'admin' : 'manager',
    clients,
    recentChanges: changes,
  }
}

function managersOf(sequelize: Sequelize) {
  return sequelize.query(`SELECT id, name, role, active FROM admin_users ORDER BY id`, { type: QueryTypes.SELECT }) as Promise<
    { id: number; name: string; role: string; active: boolean }[]
  >
}
