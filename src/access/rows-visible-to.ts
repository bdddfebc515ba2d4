import type { CurrentAdmin } from 'adminjs'
import { literal, Op, type WhereOptions } from 'sequelize'
import { columnName, fieldMap } from '../fields/model.js'
import { ident } from '../schema/desired.js'
import { entryOf, ownerChain } from '../resources/registry.js'
import { checkRole } from './check-role.js'

/**
 * Which rows of a resource a user may see, from its definition's ownership (applied to every query
 * the panel makes for it): admins every row; a manager the rows they own (`ownedBy`, a client's
 * manager) or whose owning record they own (`ownedThrough`, a sender name's client), or every row of
 * a resource nobody owns; anyone else none.
 */
export const rowsVisibleTo =
  (resource: string) =>
  (currentAdmin: CurrentAdmin | undefined): WhereOptions | undefined => {
    if (checkRole(currentAdmin, 'admin')) return undefined
    if (!checkRole(currentAdmin, 'manager')) return { id: null }
    const chain = ownerChain(resource)
    if (!chain) return undefined
    const userId = Number(currentAdmin!.id)
    if (!chain.through.length) return { [chain.userField]: userId }
    return { [chain.through[0]]: { [Op.in]: literal(ownedIdsSql(resource, userId)) } }
  }

/**
 * `(SELECT id FROM clients WHERE manager_id = 7)`: the ids of the records through which a row of
 * `resource` is owned by the user, nested as deep as the chain goes.
 */
export function ownedIdsSql(resource: string, userId: number): string {
  const definition = entryOf(resource)!.definition
  const through = fieldMap(definition).get(definition.ownedThrough!)!.references!
  const target = entryOf(through.resource)!.definition
  const condition = target.ownedBy
    ? `${ident(columnName(target.ownedBy))} = ${Number(userId)}`
    : `${ident(columnName(target.ownedThrough!))} IN ${ownedIdsSql(target.name, userId)}`
  return `(SELECT id FROM ${ident(target.table)} WHERE ${condition})`
}

/**
 * `(SELECT id FROM clients WHERE manager_id = 7)`: the ids of a resource's rows this manager owns,
 * directly or through another record; undefined for an administrator or a resource nobody owns.
 */
export function ownedRowsSql(resource: string, currentAdmin: CurrentAdmin | undefined): string | undefined {
  const chain = ownerChain(resource)
  if (!chain || checkRole(currentAdmin, 'admin')) return undefined
  const userId = checkRole(currentAdmin, 'manager') ? Number(currentAdmin!.id) : 0
  const definition = entryOf(resource)!.definition
  if (!chain.through.length) return `(SELECT id FROM ${ident(definition.table)} WHERE ${ident(columnName(chain.userField))} = ${userId})`
  return `(SELECT id FROM ${ident(definition.table)} WHERE ${ident(columnName(chain.through[0]))} IN ${ownedIdsSql(resource, userId)})`
}
