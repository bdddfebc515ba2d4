import type { CurrentAdmin } from 'adminjs'
import { checkRole } from './check-role.js'

/** Anyone who may use the panel at all (admins and managers). */
export const isStaff = ({ currentAdmin }: { currentAdmin?: CurrentAdmin }): boolean =>
  checkRole(currentAdmin, 'admin', 'manager')
