import type { CurrentAdmin } from 'adminjs'
import { checkRole } from './check-role.js'

export const isAdmin = ({ currentAdmin }: { currentAdmin?: CurrentAdmin }): boolean => checkRole(currentAdmin, 'admin')
