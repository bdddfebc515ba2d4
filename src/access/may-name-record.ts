import type { CurrentAdmin } from 'adminjs'
import { ownerChain } from '../resources/registry.js'
import { checkRole } from './check-role.js'

/**
 * May the history show this user the name of a record a change pointed at ("Manager: Maria → Mark")
 * rather than its id? Administrators see every name. Managers see no other panel user (the spec
 * gives them no access to admin users), so of users only their own name; products they pick in
 * their clients' form anyway; records of an owned resource (a client) only when they are their own,
 * which the look-up checks (ownedRowsSql): another manager's client stays "#id".
 */
export const mayNameRecord = ({ currentAdmin }: { currentAdmin?: CurrentAdmin }, resource: string, id: number): boolean => {
  if (checkRole(currentAdmin, 'admin')) return true
  if (!checkRole(currentAdmin, 'manager')) return false
  if (resource === 'AdminUser') return id === Number(currentAdmin!.id)
  return resource === 'Product' || ownerChain(resource) !== undefined
}
