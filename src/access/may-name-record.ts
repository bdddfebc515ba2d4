import type { CurrentAdmin } from 'adminjs'
import { fieldsOf } from '../fields/model.js'
import { ownerChain, registry } from '../resources/registry.js'
import { checkRole } from './check-role.js'

/** The resource whose records own others (the panel users a client's `ownedBy: managerId` names). */
const ownerResources = new Set(
  registry.flatMap(({ definition }) => fieldsOf(definition).flatMap(([name, def]) => (name === definition.ownedBy && def.references ? [def.references.resource] : []))),
)

/** Resources a manager picks in the forms they fill (a client's Product): no secret to them. */
const chosenByStaff = new Set(
  registry
    .filter((entry) => entry.actions === 'staffEditAdminsDelete')
    .flatMap(({ definition }) => fieldsOf(definition).flatMap(([name, def]) => (name !== definition.ownedBy && def.references ? [def.references.resource] : []))),
)

/**
 * May the history show this user the name of a record a change pointed at ("Manager: Maria → Mark")
 * rather than its id? Administrators see every name. Managers see no other panel user (the spec
 * gives them no access to admin users), so of the owning users only their own name; records they
 * pick in their own forms (products) anyway; records of an owned resource (a client, a sender
 * name) only when they are their own, which the look-up checks (ownedRowsSql): another manager's
 * client stays "#id". All of it read from the registry's declarations.
 */
export const mayNameRecord = ({ currentAdmin }: { currentAdmin?: CurrentAdmin }, resource: string, id: number): boolean => {
  if (checkRole(currentAdmin, 'admin')) return true
  if (!checkRole(currentAdmin, 'manager')) return false
  if (ownerResources.has(resource)) return id === Number(currentAdmin!.id)
  return chosenByStaff.has(resource) || ownerChain(resource) !== undefined
}
