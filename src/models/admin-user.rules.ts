import { QueryTypes, ValidationError, ValidationErrorItem, type Model, type ModelStatic } from 'sequelize'

/**
 * Who is writing, as the panel's adapter passes it in the options of every write
 * (`{ actor: { id } }`); scripts and seeders pass none and are not bound by the actor's rules.
 */
export type ActorOptions = { actor?: { id: string | number } }

const keepsAdminAccess = (user: Model) => user.get('role') === 'admin' && user.get('active') === true

const refusal = (user: Model, items: { path: string; message: string; key: string }[]) =>
  new ValidationError(
    undefined as never,
    items.map(({ path, message, key }) => new ValidationErrorItem(message, 'Validation error' as never, path, null as never, user, key, key, [])),
  )

/**
 * The panel must always have someone who can run it: the last active administrator cannot be
 * demoted, deactivated or deleted, whichever way the change comes in.
 */
export function installLastAdminRule(AdminUser: ModelStatic<Model>) {
  const refuseIfLastAdmin = async (user: Model, options: any, path: string, message: string) => {
    const sequelize = AdminUser.sequelize!
    // One such check at a time (until its transaction ends): two administrators removing each
    // other at once would otherwise each still count the other and leave nobody.
    await sequelize.query(`SELECT pg_advisory_xact_lock(hashtext('admin_users: last active administrator'))`, { transaction: options.transaction })
    const [{ others }] = (await sequelize.query(
      `SELECT count(*)::int AS others FROM admin_users WHERE role = 'admin' AND active AND id <> :id`,
      { replacements: { id: user.get('id') }, type: QueryTypes.SELECT, transaction: options.transaction },
    )) as { others: number }[]
    if (others === 0) throw refusal(user, [{ path, message, key: 'lastAdmin' }])
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

const isActor = (user: Model, options: ActorOptions) =>
  options.actor !== undefined && String(options.actor.id) === String(user.get('id'))

/**
 * Nobody deletes their own account or changes their own role or active flag: another
 * administrator has to. Enforced on the model so that every panel path (a record action, its bulk
 * form, anything added later) that names its actor is held to it. Nor does anyone change their
 * own password through such a path: a left-open session could otherwise take over the account for
 * good. Their account page does it, after the current password (it writes as no actor).
 */
export function installOwnAccountRule(AdminUser: ModelStatic<Model>) {
  AdminUser.addHook('beforeUpdate', (user: Model, options: any) => {
    if (!isActor(user, options)) return
    const items = []
    if (user.changed('role' as never)) items.push({ path: 'role', message: 'You cannot change your own role', key: 'ownAccount' })
    if (user.changed('active' as never)) items.push({ path: 'active', message: 'You cannot change your own active flag', key: 'ownAccount' })
    if (user.changed('passwordHash' as never)) {
      items.push({ path: 'password', message: 'Change your own password on your account page: it asks for your current one', key: 'ownAccount' })
    }
    if (items.length) throw refusal(user, items)
  })
  AdminUser.addHook('beforeDestroy', (user: Model, options: any) => {
    if (isActor(user, options)) throw refusal(user, [{ path: 'id', message: 'You cannot delete your own account', key: 'ownAccount' }])
  })
}
