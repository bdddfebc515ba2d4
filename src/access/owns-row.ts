import type { CurrentAdmin, RecordJSON } from 'adminjs'
import { ownerChain } from '../resources/registry.js'
import { checkRole } from './check-role.js'

type RecordLike = { params: RecordJSON['params'] } | undefined

/**
 * Does this user own this record of `resource`? The yes/no form of rowsVisibleTo, from the same
 * declared ownership: admins every record; a manager one whose `ownedBy` field names them (a
 * client's manager), or, for a resource owned through another record (a sender name's client),
 * any record the adapter read for them, since it reads only within their row scope; staff every
 * record of a resource nobody owns; anyone else none.
 */
export const ownsRow =
  (resource: string) =>
  ({ currentAdmin, record }: { currentAdmin?: CurrentAdmin; record?: RecordLike }): boolean => {
    if (checkRole(currentAdmin, 'admin')) return true
    if (!checkRole(currentAdmin, 'manager') || record === undefined) return false
    const chain = ownerChain(resource)
    if (!chain || chain.through.length) return true
    return String(record.params[chain.userField]) === String(currentAdmin!.id)
  }
