import type { CurrentAdmin } from 'adminjs'
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize'
import { ownedIdsSql } from './rows-visible-to.js'
import { checkRole } from './check-role.js'

/**
 * May this user put a row of `resource` under the record `id` it is owned through (a sender name
 * under a client)? Admins any; a manager only a record they own themselves (the same rule as the
 * row scope); anyone else none.
 */
export async function mayChooseOwner(
  sequelize: Sequelize,
  resource: string,
  id: unknown,
  currentAdmin: CurrentAdmin | undefined,
  transaction?: Transaction,
): Promise<boolean> {
  if (checkRole(currentAdmin, 'admin')) return true
  if (!checkRole(currentAdmin, 'manager')) return false
  if (!/^\d+$/.test(String(id ?? ''))) return true // not an id: the field's own rule refuses it, with its message
  const rows = await sequelize.query(`SELECT 1 FROM ${ownedIdsSql(resource, Number(currentAdmin!.id))} AS owned WHERE id = :id`, {
    replacements: { id: Number(id) },
    type: QueryTypes.SELECT,
    transaction,
  })
  return rows.length > 0
}
