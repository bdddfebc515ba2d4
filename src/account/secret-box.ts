/**
 * Encrypts two-factor secrets at rest: AES-256-GCM (node:crypto), a fresh 12-byte IV per value,
 * stored as `v1:<iv>:<tag>:<ciphertext>` (base64url). The 256-bit key is derived with HKDF from
 * TWO_FACTOR_KEY, so any long random string works as the setting.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'

// Outside production only: a known key, so enrolments survive restarts in development. It protects
// nothing, which the start-up log says.
export const DEVELOPMENT_KEY = 'development-only-two-factor-key-never-use-in-production'

export type SecretBox = { seal: (plain: string) => string; open: (sealed: string) => string }

export function createSecretBox(keyMaterial: string): SecretBox {
  const key = Buffer.from(hkdfSync('sha256', keyMaterial, 'sms-client-admin', 'two-factor-secret', 32))
  return {
    seal(plain) {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', key, iv)
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
      return ['v1', iv, cipher.getAuthTag(), data].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join(':')
    },
    open(sealed) {
      const [version, iv, tag, data] = sealed.split(':')
      if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('unreadable two-factor secret')
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
      decipher.setAuthTag(Buffer.from(tag, 'base64url'))
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8')
    },
  }
}
