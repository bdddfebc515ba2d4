import { createHash } from 'node:crypto'

/**
 * A short fingerprint of a user's password hash, kept in their session at login. When the stored
 * hash changes (a new password, set by anyone, any way) the sessions started before no longer
 * match and end. The same value is computed in SQL where the session store reads the account.
 */
export const passwordStamp = (passwordHash: string) => createHash('sha256').update(passwordHash, 'utf8').digest('hex').slice(0, 16)

export const passwordStampSql = (column: string) => `substr(encode(sha256(convert_to(${column}, 'UTF8')), 'hex'), 1, 16)`
