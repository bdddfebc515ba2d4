import type { CurrentAdmin } from 'adminjs'

export type Role = 'admin' | 'manager'

/** The one place that reads a user's role; every predicate is built on it. */
export const checkRole = (currentAdmin: CurrentAdmin | undefined, ...roles: Role[]): boolean =>
  Boolean(currentAdmin && roles.includes(currentAdmin.role as Role))
