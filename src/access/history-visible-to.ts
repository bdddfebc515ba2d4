import type { CurrentAdmin } from 'adminjs'
import { literal, Op, type WhereOptions } from 'sequelize'
import { checkRole } from './check-role.js'

/**
 * Admins read all history. A manager reads the history of the clients they manage now, and of the
 * records owned through those clients (a sender name's entries carry its client: the history
 * trigger of a resource with `ownedThrough` records it, see migration 0013); of those entries only
 * the ones made while the client was theirs (client_change_owners, migrations 0006 and 0013), none by
 * another manager: after a hand-over the receiving manager sees neither the previous manager's
 * edits nor their e-mail, as on the home page's latest changes (recent-changes.ts).
 */
export const historyVisibleTo = (currentAdmin: CurrentAdmin | undefined): WhereOptions | undefined => {
  if (checkRole(currentAdmin, 'admin')) return undefined
  if (checkRole(currentAdmin, 'manager')) {
    const managerId = Number(currentAdmin!.id)
    return {
      clientId: { [Op.in]: literal(`(SELECT id FROM clients WHERE manager_id = ${managerId})`) },
      [Op.and]: [
        { id: { [Op.in]: literal(`(SELECT change_id FROM client_change_owners WHERE manager_id = ${managerId})`) } },
        // A change by nobody in particular (a script, the system) has no actor and stays visible.
        { [Op.or]: [{ actorId: null }, { actorId: { [Op.notIn]: literal(`(SELECT id FROM admin_users WHERE role = 'manager' AND id <> ${managerId})`) } }] },
      ],
    }
  }
  return { id: null }
}
