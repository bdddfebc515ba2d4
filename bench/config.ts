import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

// Everything the bench reads from the environment, in one place.

const intFromEnv = (name: string, fallback: number, min = 1) => {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw.replace(/_/g, ''))
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min} (got ${JSON.stringify(raw)})`)
  return value
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1'])

/** The bench only ever talks to this machine: a DATABASE_URL elsewhere is refused, not used. */
function loopbackUrl(raw: string) {
  const url = new URL(raw)
  if (!/^postgres(ql)?:$/.test(url.protocol)) throw new Error('DATABASE_URL must be a postgres:// URL')
  if (!LOOPBACK.has(url.hostname)) throw new Error(`the bench only uses a local PostgreSQL (127.0.0.1); DATABASE_URL points at ${url.hostname}`)
  url.hostname = '127.0.0.1'
  return url
}

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

export const clients = intFromEnv('BENCH_CLIENTS', 1_000_000, 100)
export const seconds = intFromEnv('BENCH_SECONDS', 10)
export const warmupSeconds = intFromEnv('BENCH_WARMUP', 3)
/** Unmeasured load on the read routes of each freshly started server before its first scenario (load.ts, warmUpServer). */
export const serverWarmupSeconds = intFromEnv('BENCH_SERVER_WARMUP', 12, 0)
export const connections = 10
export const loginBurstConnections = 20
export const managerCount = 20
export const adminCount = 3
export const bcryptRounds = 12
/** Password of every seeded admin user and manager (they are only in the bench database). */
export const userPassword = 'bench-password-123'
/** Logins of clients created by the "create" scenario start with this; they are removed after the run. */
export const createdLoginPrefix = 'benchnew-'

export const serverUrl = loopbackUrl(process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres')
export const databaseName = `bench_${clients}`
export const benchUrl = (() => {
  const url = new URL(serverUrl)
  url.pathname = `/${databaseName}`
  return url.toString()
})()

/** Substring filters (case-insensitive in the app): one narrow, one medium, one broad. */
export const filters = {
  login: process.env.BENCH_FILTER_LOGIN || 'cme-0001',
  company: process.env.BENCH_FILTER_COMPANY || 'nordic parcel',
  email: process.env.BENCH_FILTER_EMAIL || 'novak',
  /** The list's search box (`q=`): a part of a company name, looked for in every searchable field. */
  search: process.env.BENCH_SEARCH || 'nordic par',
}

/** The bulk-edit scenario's filter on login: "-01" matches 10,000 clients once there are 19,999 or more. */
export const bulkEditFilter = process.env.BENCH_BULK_FILTER_LOGIN || '-01'

export const sessionSecret = randomBytes(36).toString('base64url') // 48 characters
/** Production refuses to start without a key for the two-factor secrets (docs/deploy.md). */
export const twoFactorKey = randomBytes(32).toString('hex')
