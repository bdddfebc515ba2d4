export { checkRole, type Role } from './check-role.js'
export { isAdmin } from './is-admin.js'
export { isStaff } from './is-staff.js'
export { clientsVisibleTo, ownsClient } from './owns-client.js'
