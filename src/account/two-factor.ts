/**
 * TOTP two-factor login (RFC 6238: SHA-1, 6 digits, 30 s, via otplib) for panel users: enrolment,
 * confirmation, checking a login code or a recovery code, and an admin's reset. The secret is
 * sealed at rest (secret-box.ts) and only ever leaves as the enrolment answer, before it is active.
 * A code is accepted once: the step of the last accepted code is stored and only later steps pass.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { generateSecret, generateURI, verify } from 'otplib'
import QRCode from 'qrcode'
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize'
import type { SecretBox } from './secret-box.js'

export const ISSUER = 'SMS Client Admin'
const RECOVERY_CODE_COUNT = 10
/** A code from the step before or after is accepted too (a phone clock a little off). */
const TOLERANCE_SECONDS = 30

export type TwoFactorState = { enrolled: boolean; recoveryCodesLeft: number }
export type CodeCheck = { ok: true; via: 'totp' | 'recovery' } | { ok: false }

const hashRecoveryCode = (code: string) => createHash('sha256').update(code.replace(/[^a-z0-9]/gi, '').toLowerCase()).digest('hex')

/** "k3f9-x2m7-p8q4": 60 random bits, easy to type, hashed for storage (too random to need bcrypt). */
const newRecoveryCode = () => {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789'
  const bytes = randomBytes(12)
  const chars = [...bytes].map((byte) => alphabet[byte % alphabet.length])
  return [chars.slice(0, 4), chars.slice(4, 8), chars.slice(8, 12)].map((group) => group.join('')).join('-')
}

export function createTwoFactor(sequelize: Sequelize, box: SecretBox) {
  async function row(userId: number, transaction?: Transaction, lock = false) {
    const [found] = (await sequelize.query(
      `SELECT secret, confirmed_at, last_time_step, recovery_codes FROM admin_user_two_factor WHERE user_id = :userId${lock ? ' FOR UPDATE' : ''}`,
      { replacements: { userId }, type: QueryTypes.SELECT, transaction },
    )) as { secret: string; confirmed_at: Date | null; last_time_step: string | null; recovery_codes: string[] }[]
    return found
  }

  async function checkTotp(secret: string, code: string, lastStep: string | null) {
    const result = await verify({
      secret,
      token: code,
      epochTolerance: TOLERANCE_SECONDS,
      ...(lastStep !== null ? { afterTimeStep: Number(lastStep) } : {}),
    }).catch(() => ({ valid: false as const }))
    return result.valid ? (result as { timeStep: number }).timeStep : null
  }

  return {
    async state(userId: number): Promise<TwoFactorState> {
      const found = await row(userId)
      return { enrolled: Boolean(found?.confirmed_at), recoveryCodesLeft: found?.confirmed_at ? found.recovery_codes.length : 0 }
    },

    async isEnrolled(userId: number) {
      return Boolean((await row(userId))?.confirmed_at)
    },

    async anyoneEnrolled() {
      const [found] = await sequelize.query('SELECT 1 FROM admin_user_two_factor WHERE confirmed_at IS NOT NULL LIMIT 1', { type: QueryTypes.SELECT })
      return Boolean(found)
    },

    /** A new secret, not active until confirmed; refused (null) while one is active. */
    async start(userId: number, email: string) {
      const secret = generateSecret()
      const [saved] = (await sequelize.query(
        `INSERT INTO admin_user_two_factor (user_id, secret) VALUES (:userId, :sealed)
         ON CONFLICT (user_id) DO UPDATE SET secret = EXCLUDED.secret, last_time_step = NULL, recovery_codes = '{}', created_at = now()
           WHERE admin_user_two_factor.confirmed_at IS NULL
         RETURNING user_id`,
        { replacements: { userId, sealed: box.seal(secret) }, type: QueryTypes.SELECT },
      )) as unknown[]
      if (!saved) return null
      const otpauthUrl = generateURI({ issuer: ISSUER, label: email, secret })
      const qrDataUrl = await QRCode.toDataURL(otpauthUrl, { margin: 1, width: 220 })
      return { secret, otpauthUrl, qrDataUrl }
    },

    /** Activates the pending secret when `code` is its current code; answers the recovery codes (shown once). */
    async confirm(userId: number, code: string): Promise<string[] | null> {
      return sequelize.transaction(async (transaction) => {
        const found = await row(userId, transaction, true)
        if (!found || found.confirmed_at) return null
        const step = await checkTotp(box.open(found.secret), code.trim(), null)
        if (step === null) return null
        const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode)
        await sequelize.query(
          `UPDATE admin_user_two_factor SET confirmed_at = now(), last_time_step = :step, recovery_codes = CAST(:hashes AS text[]) WHERE user_id = :userId`,
          { replacements: { userId, step, hashes: `{${codes.map(hashRecoveryCode).join(',')}}` }, transaction },
        )
        return codes
      })
    },

    /** A login's second step: a TOTP code of a later step than the last accepted, or an unused recovery code. */
    async check(userId: number, code: string): Promise<CodeCheck> {
      const given = code.trim()
      return sequelize.transaction(async (transaction) => {
        const found = await row(userId, transaction, true)
        if (!found?.confirmed_at) return { ok: false }
        if (/^\d{6}$/.test(given.replace(/\s/g, ''))) {
          const step = await checkTotp(box.open(found.secret), given.replace(/\s/g, ''), found.last_time_step)
          if (step === null) return { ok: false }
          await sequelize.query('UPDATE admin_user_two_factor SET last_time_step = :step WHERE user_id = :userId', {
            replacements: { userId, step },
            transaction,
          })
          return { ok: true, via: 'totp' }
        }
        const hash = Buffer.from(hashRecoveryCode(given))
        const match = found.recovery_codes.find((stored) => stored.length === hash.length && timingSafeEqual(Buffer.from(stored), hash))
        if (!match) return { ok: false }
        await sequelize.query('UPDATE admin_user_two_factor SET recovery_codes = array_remove(recovery_codes, :match) WHERE user_id = :userId', {
          replacements: { userId, match },
          transaction,
        })
        return { ok: true, via: 'recovery' }
      })
    },

    /** Removes a user's two-factor (enrolled or pending); true when there was one. */
    async reset(userId: number) {
      const removed = await sequelize.query('DELETE FROM admin_user_two_factor WHERE user_id = :userId RETURNING user_id', {
        replacements: { userId },
        type: QueryTypes.SELECT,
      })
      return removed.length > 0
    },
  }
}

export type TwoFactor = ReturnType<typeof createTwoFactor>
