import type { CurrentAdmin, RecordJSON } from 'adminjs'
import type { WhereOptions } from 'sequelize'
import { checkRole } from './check-role.js'

type RecordLike = { params: RecordJSON['params'] } | undefined

/** Yes/no for one client: admins own every client, a manager only those they manage. */
export const ownsClient = ({ currentAdmin, record }: { currentAdmin?: CurrentAdmin; record?: RecordLike }): boolean => {
  if (checkRole(currentAdmin, 'admin')) return true
  if (!checkRole(currentAdmin, 'manager') || !record) return false
  return String(record.params.managerId) === String(currentAdmin!.id)
}

/** The same rule as a row filter, applied to every query the panel makes for Clients. */
export const clientsVisibleTo = (currentAdmin: CurrentAdmin | undefined): WhereOptions | undefined => {
  if (checkRole(currentAdmin, 'admin')) return undefined
  if (checkRole(currentAdmin, 'manager')) return { managerId: Number(currentAdmin!.id) }
  return { id: null } // nobody else sees any row
}
