import type { CurrentAdmin } from 'adminjs'
import { literal, Op, type WhereOptions } from 'sequelize'
import { checkRole } from './check-role.js'

/** Admins read all history; a manager reads the history of the clients they manage now. */
export const historyVisibleTo = (currentAdmin: CurrentAdmin | undefined): WhereOptions | undefined => {
  if (checkRole(currentAdmin, 'admin')) return undefined
  if (checkRole(currentAdmin, 'manager')) {
    const managerId = Number(currentAdmin!.id)
    return {
      resource: 'Client',
      clientId: { [Op.in]: literal(`(SELECT id FROM clients WHERE manager_id = ${managerId})`) },
    }
  }
  return { id: null }
}
