import type { Sequelize } from 'sequelize'
import type { SessionAdmin } from '../auth/authenticate.js'
import { timezoneOptions } from '../fields/kinds.js'
import type { Models } from '../models/index.js'

const zones = new Set(timezoneOptions.map((option) => option.value))

/**
 * Stores the zone `user` wants the panel's times in (My account): an IANA name from the list, or
 * empty for the browser's own. Written as the user, so the change history names them.
 * Resolves to the stored value, or to a refusal in the form's words.
 */
export async function setOwnTimeZone(models: Models, sequelize: Sequelize, user: SessionAdmin, value: unknown): Promise<{ timeZone: string | null } | { error: string }> {
  const wanted = typeof value === 'string' ? value.trim() : value === null || value === undefined ? '' : undefined
  if (wanted === undefined || (wanted !== '' && !zones.has(wanted))) return { error: 'Choose a time zone from the list, e.g. Europe/Berlin.' }
  const timeZone = wanted || null
  await sequelize.transaction(async (transaction) => {
    await sequelize.query(`SELECT set_config('app.actor_id', :id, true), set_config('app.actor_email', :email, true)`, {
      replacements: { id: String(user.id), email: user.email },
      transaction,
    })
    await models.AdminUser.update({ timeZone }, { where: { id: user.id }, transaction })
  })
  return { timeZone }
}
