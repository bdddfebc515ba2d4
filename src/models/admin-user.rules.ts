import { QueryTypes, ValidationError, ValidationErrorItem, type Model, type ModelStatic } from 'sequelize'

const keepsAdminAccess = (user: Model) => user.get('role') === 'admin' && user.get('active') === true

/**
 * The panel must always have someone who can run it: the last active administrator cannot be
 * demoted, deactivated or deleted, whichever way the change comes in.
 */
export function installLastAdminRule(AdminUser: ModelStatic<Model>) {
  const refuseIfLastAdmin = async (user: Model, options: any, path: string, message: string) => {
    const [{ others }] = (await AdminUser.sequelize!.query(
      `SELECT count(*)::int AS others FROM admin_users WHERE role = 'admin' AND active AND id <> :id`,
      { replacements: { id: user.get('id') }, type: QueryTypes.SELECT, transaction: options.transaction },
    )) as { others: number }[]
    if (others === 0) {
      throw new ValidationError(undefined as never, [
        new ValidationErrorItem(message, 'Validation error' as never, path, null as never, user, 'lastAdmin', 'lastAdmin', []),
      ])
    }
  }
  AdminUser.addHook('beforeUpdate', async (user: Model, options: any) => {
    const wasAdmin = user.previous('role' as never) === 'admin' && user.previous('active' as never) === true
    if (!wasAdmin || keepsAdminAccess(user)) return
    const path = user.get('role') !== 'admin' ? 'role' : 'active'
    await refuseIfLastAdmin(user, options, path, 'The last active administrator cannot be demoted or deactivated')
  })
  AdminUser.addHook('beforeDestroy', async (user: Model, options: any) => {
    if (!keepsAdminAccess(user)) return
    await refuseIfLastAdmin(user, options, 'role', 'The last active administrator cannot be deleted')
  })
}
