import type { CurrentAdmin, RecordJSON } from 'adminjs'
import { checkRole } from './check-role.js'

type RecordLike = { params: RecordJSON['params'] } | undefined

/** A row scope of plain equalities (column → value; null matches no row); undefined: every row. */
type EqualityScope = Record<string, number | null> | undefined

/**
 * Which clients a user may see, written once as a row filter (applied to every query the panel
 * makes for Clients): admins every client, a manager those they manage, anyone else none.
 */
export const clientsVisibleTo = (currentAdmin: CurrentAdmin | undefined): EqualityScope => {
  if (checkRole(currentAdmin, 'admin')) return undefined
  if (checkRole(currentAdmin, 'manager')) return { managerId: Number(currentAdmin!.id) }
  return { id: null }
}

/** Whether one record passes a scope (as the database would filter it). */
const passes = (scope: EqualityScope, record: RecordLike) =>
  scope === undefined || (record !== undefined && Object.entries(scope).every(([column, value]) => value !== null && String(record.params[column]) === String(value)))

/** Yes/no for one client, by the same rule as clientsVisibleTo. */
export const ownsClient = ({ currentAdmin, record }: { currentAdmin?: CurrentAdmin; record?: RecordLike }): boolean =>
  passes(clientsVisibleTo(currentAdmin), record)
