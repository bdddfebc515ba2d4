import type { CurrentAdmin } from 'adminjs'
import { literal, Op, type WhereOptions } from 'sequelize'
import { checkRole } from './check-role.js'

/**
 * Admins read all history; a manager reads the history of the clients they manage now, and of the
 * records owned through those clients (a sender name's entries carry its client: the history
 * trigger of a resource with `ownedThrough` records it, see migration 0013).
 */
export const historyVisibleTo = (currentAdmin: CurrentAdmin | undefined): WhereOptions | undefined => {
  if (checkRole(currentAdmin, 'admin')) return undefined
  if (checkRole(currentAdmin, 'manager')) {
    const managerId = Number(currentAdmin!.id)
    return { clientId: { [Op.in]: literal(`(SELECT id FROM clients WHERE manager_id = ${managerId})`) } }
  }
  return { id: null }
}
