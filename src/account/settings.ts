/**
 * Panel settings an admin edits (table panel_settings, migration 0010). Read on each login, so a
 * change holds on every instance at once.
 */
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize'

export const TWO_FACTOR_REQUIREMENTS = ['off', 'admins', 'everyone'] as const
export type TwoFactorRequirement = (typeof TWO_FACTOR_REQUIREMENTS)[number]

export async function twoFactorRequirement(sequelize: Sequelize, transaction?: Transaction): Promise<TwoFactorRequirement> {
  const [row] = (await sequelize.query(`SELECT value FROM panel_settings WHERE key = 'two_factor_required'`, { type: QueryTypes.SELECT, transaction })) as { value: unknown }[]
  return TWO_FACTOR_REQUIREMENTS.includes(row?.value as TwoFactorRequirement) ? (row!.value as TwoFactorRequirement) : 'off'
}

/** Stores the requirement; resolves to the one it replaced (the history records both). */
export async function setTwoFactorRequirement(sequelize: Sequelize, value: TwoFactorRequirement, transaction?: Transaction): Promise<TwoFactorRequirement> {
  const previous = await twoFactorRequirement(sequelize, transaction)
  await sequelize.query(
    `INSERT INTO panel_settings (key, value, updated_at) VALUES ('two_factor_required', CAST(:value AS jsonb), now())
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
    { replacements: { value: JSON.stringify(value) }, transaction },
  )
  return previous
}

/** Whether a user of this role must have two-factor login under the setting. */
export const mustUseTwoFactor = (requirement: TwoFactorRequirement, role: string) =>
  requirement === 'everyone' || (requirement === 'admins' && role === 'admin')
