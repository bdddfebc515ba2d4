import { randomBytes } from 'node:crypto'
import os from 'node:os'
import path from 'node:path'
import { z } from 'zod'

// The only place that reads process.env: everything else receives an AppConfig.

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value)

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((flag) => ['true', '1', 'yes'].includes(flag))

// One item of an Express trust-proxy list: an IPv4/IPv6 address or subnet, or one of its names.
const TRUST_PROXY_ITEM = /^(loopback|linklocal|uniquelocal|[0-9a-fA-F:.]+(\/\d{1,3})?)$/

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    DATABASE_URL: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .refine((url) => /^postgres(ql)?:\/\//.test(url), 'must be a postgres:// or postgresql:// URL')
        .optional(),
    ),
    DATA_DIR: z.preprocess(emptyAsUndefined, z.string().default('./data')),
    SESSION_SECRET: z.preprocess(emptyAsUndefined, z.string().optional()),
    SEED_PASSWORD: z.preprocess(emptyAsUndefined, z.string().min(10, 'must be at least 10 characters').optional()),
    BCRYPT_ROUNDS: z.coerce.number().int().min(4).max(15).default(12),
    TRUST_PROXY: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .trim()
        .refine((value) => !/^(true|yes)$/i.test(value), {
          message:
            'must name the proxy hops, not trust every one: a hop count (e.g. 1) or the proxies\' addresses (e.g. 10.0.0.0/8,loopback). With true any client can set its own address through X-Forwarded-For',
        })
        .refine((value) => /^\d+$/.test(value) || /^(false|no)$/i.test(value) || value.split(',').every((item) => TRUST_PROXY_ITEM.test(item.trim())), {
          message: 'must be a hop count (e.g. 1) or a comma-separated list of addresses, subnets or loopback / linklocal / uniquelocal',
        })
        .transform((value) => (/^(0|false|no)$/i.test(value) ? undefined : value))
        .optional(),
    ),
    DB_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    ALLOW_PRIVATE_WEBHOOK_HOSTS: z.preprocess(emptyAsUndefined, booleanFlag.optional()),
    LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(1000).default(10),
    LOGIN_LOCK_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(15),
    // Older name of SESSION_ABSOLUTE_HOURS, still read when that is not set.
    SESSION_MAX_AGE_HOURS: z.preprocess(emptyAsUndefined, z.coerce.number().positive().max(24 * 30).optional()),
    SESSION_ABSOLUTE_HOURS: z.preprocess(emptyAsUndefined, z.coerce.number().positive().max(24 * 30).optional()),
    SESSION_IDLE_MINUTES: z.coerce.number().positive().max(24 * 60 * 30).default(30),
    TWO_FACTOR_KEY: z.preprocess(emptyAsUndefined, z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -hex 32)').optional()),
    WEB_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
    IMPORT_MAX_BYTES: z.coerce.number().int().min(1024).max(1024 * 1024 * 1024).default(20 * 1024 * 1024),
    IMPORT_MAX_ROWS: z.coerce.number().int().min(1).default(100_000),
    IMPORT_INLINE_MAX_ROWS: z.coerce.number().int().min(0).default(1000),
    IMPORT_INLINE_MAX_PASSWORDS: z.coerce.number().int().min(0).default(40),
    EXPORT_COPY: z.preprocess(emptyAsUndefined, booleanFlag.optional()),
    FAST_READS: z.preprocess(emptyAsUndefined, booleanFlag.optional()),
    IMPORT_JOB_TIMEOUT_MINUTES: z.coerce.number().int().min(1).max(23 * 60).default(30),
    IMPORT_JOB_POLL_SECONDS: z.coerce.number().min(0.5).max(600).default(2),
    IMPORT_JOB_RETRY_DELAY_SECONDS: z.coerce.number().int().min(0).max(3600).default(2),
    UPLOAD_DIR: z.preprocess(emptyAsUndefined, z.string().optional()),
    EXPORTS_MAX_RUNNING: z.coerce.number().int().min(1).max(100).default(4),
    EXPORTS_MAX_PER_USER: z.coerce.number().int().min(1).max(100).default(2),
    IMPORTS_MAX_RUNNING: z.coerce.number().int().min(1).max(100).default(2),
    IMPORTS_MAX_PER_USER: z.coerce.number().int().min(1).max(100).default(1),
    BULK_EDITS_MAX_RUNNING: z.coerce.number().int().min(1).max(100).default(2),
    BULK_EDITS_MAX_PER_USER: z.coerce.number().int().min(1).max(100).default(1),
    BULK_DB_CONNECTIONS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(100).optional()),
    BULK_WAIT_SECONDS: z.coerce.number().min(0).max(3600).default(30),
    EXPORT_WRITE_TIMEOUT_SECONDS: z.coerce.number().min(1).max(3600).default(30),
    STATEMENT_TIMEOUT_SECONDS: z.coerce.number().min(0).max(24 * 3600).default(30),
    BULK_STATEMENT_TIMEOUT_SECONDS: z.coerce.number().min(0).max(24 * 3600).default(600),
  })
  .superRefine((env, ctx) => {
    if (env.BULK_DB_CONNECTIONS !== undefined && env.BULK_DB_CONNECTIONS >= env.DB_POOL_MAX) {
      ctx.addIssue({ code: 'custom', path: ['BULK_DB_CONNECTIONS'], message: `must be below DB_POOL_MAX (${env.DB_POOL_MAX}): the rest of the pool is for everyone's clicks` })
    }
    if (env.WEB_CONCURRENCY > 1 && !env.DATABASE_URL) {
      ctx.addIssue({ code: 'custom', path: ['WEB_CONCURRENCY'], message: 'above 1 needs DATABASE_URL (the embedded database lives inside one process)' })
    }
    if (env.NODE_ENV === 'production') {
      if (!env.SESSION_SECRET || env.SESSION_SECRET.length < 32) {
        ctx.addIssue({
          code: 'custom',
          path: ['SESSION_SECRET'],
          message: 'is required in production and must be at least 32 characters',
        })
      }
      // Without it two-factor secrets would be encrypted with the development key, which is public.
      if (!env.TWO_FACTOR_KEY) {
        ctx.addIssue({ code: 'custom', path: ['TWO_FACTOR_KEY'], message: 'is required in production (at least 32 characters, e.g. openssl rand -hex 32)' })
      }
    } else if (env.SESSION_SECRET !== undefined && env.SESSION_SECRET.length < 32) {
      ctx.addIssue({ code: 'custom', path: ['SESSION_SECRET'], message: 'must be at least 32 characters' })
    }
  })

export type AppConfig = {
  env: 'development' | 'production' | 'test'
  isProduction: boolean
  port: number
  databaseUrl: string | undefined
  dataDir: string
  sessionSecret: string
  seedPassword: string | undefined
  bcryptRounds: number
  /** Proxy hops in front of the app: a hop count ('1') or a list of addresses/subnets; never `true`. */
  trustProxy: string | undefined
  dbPoolMax: number
  logLevel: string
  allowPrivateWebhookHosts: boolean
  loginMaxFailures: number
  loginLockMinutes: number
  /** The delay of the fourth failed login in a row; each further one doubles it, up to 8×. Not an env setting: tests shorten it. */
  loginSlowdownMs: number
  /** A session's absolute lifetime from its login (also the cookie's and the stored row's lifetime). */
  sessionMaxAgeMs: number
  /** A session unused this long ends. */
  sessionIdleMs: number
  /** Key material for the two-factor secrets at rest; required in production; undefined elsewhere means a fixed development key. */
  twoFactorKey: string | undefined
  /** Server processes on this machine (one per core uses them all; each has its own pools). */
  webConcurrency: number
  /** Largest CSV file an import accepts, in bytes. */
  importMaxBytes: number
  /** Most data rows an import accepts. */
  importMaxRows: number
  /** A file with more data rows runs as a job (202 + Location) instead of in the request. */
  importInlineMaxRows: number
  /** An apply with more passwords to hash (counted at bcrypt cost 12) runs as a job. */
  importInlineMaxPasswords: number
  /**
   * CSV exports stream from PostgreSQL's COPY (the default on PostgreSQL; never on the embedded
   * database); false writes every row in Node instead, the slower path that makes the same file.
   */
  exportCopy: boolean
  /**
   * The panel's hot reads (a list page, a record's page, the home page's data) are answered in
   * front of Express when the request is the plain signed-in case (see app/fast-read-lane.ts);
   * false sends every request through Express, which gives the same answers more slowly.
   */
  fastReads: boolean
  /** An import job still running after this long is stopped (rolled back) and reported failed. */
  importJobTimeoutMinutes: number
  /** How often an idle instance asks the queue for an import job. */
  importJobPollSeconds: number
  /** How long pg-boss waits before it runs a stopped import job again (whole seconds: pg-boss's unit). */
  importJobRetryDelaySeconds: number
  /** The folder this app keeps its upload temp files in (swept of leftovers at start). */
  uploadDir: string
  /** Exports, imports and "all matching" bulk edits / whole reverts at once: in all, and per user (see db/bulk-share.ts). */
  bulkLimits: { export: BulkLimit; import: BulkLimit; bulkEdit: BulkLimit }
  /** Database connections bulk work may hold at once (the rest of the pool is for interactive requests). */
  bulkDbConnections: number
  /** How long bulk work waits for one of its connections before a 429. */
  bulkWaitMs: number
  /** An export whose client has read nothing for this long is cut off (its connection goes back). */
  exportWriteTimeoutMs: number
  /** statement_timeout of the server's connections (interactive requests); 0: none. */
  statementTimeoutMs: number
  /** statement_timeout of bulk work's transactions; 0: none. */
  bulkStatementTimeoutMs: number
}

type BulkLimit = { running: number; perUser: number }

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

export function parseConfig(source: Record<string, string | undefined>): AppConfig {
  const result = envSchema.safeParse(source)
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.') || '(env)'} ${issue.message}`))
  }
  const env = result.data
  const isProduction = env.NODE_ENV === 'production'
  return {
    env: env.NODE_ENV,
    isProduction,
    port: env.PORT,
    databaseUrl: env.DATABASE_URL,
    dataDir: path.resolve(env.DATA_DIR),
    // Outside production a random secret per start is fine: sessions then last until restart.
    sessionSecret: env.SESSION_SECRET ?? randomBytes(32).toString('hex'),
    seedPassword: env.SEED_PASSWORD ?? (isProduction ? undefined : 'demo-password-123'),
    bcryptRounds: env.BCRYPT_ROUNDS,
    trustProxy: env.TRUST_PROXY,
    dbPoolMax: env.DB_POOL_MAX,
    logLevel: env.LOG_LEVEL,
    allowPrivateWebhookHosts: env.ALLOW_PRIVATE_WEBHOOK_HOSTS ?? false,
    loginMaxFailures: env.LOGIN_MAX_FAILURES,
    loginLockMinutes: env.LOGIN_LOCK_MINUTES,
    loginSlowdownMs: 250,
    sessionMaxAgeMs: (env.SESSION_ABSOLUTE_HOURS ?? env.SESSION_MAX_AGE_HOURS ?? 12) * 3600 * 1000,
    sessionIdleMs: env.SESSION_IDLE_MINUTES * 60 * 1000,
    twoFactorKey: env.TWO_FACTOR_KEY,
    webConcurrency: env.WEB_CONCURRENCY,
    importMaxBytes: env.IMPORT_MAX_BYTES,
    importMaxRows: env.IMPORT_MAX_ROWS,
    importInlineMaxRows: env.IMPORT_INLINE_MAX_ROWS,
    importInlineMaxPasswords: env.IMPORT_INLINE_MAX_PASSWORDS,
    exportCopy: env.EXPORT_COPY ?? true,
    fastReads: env.FAST_READS ?? true,
    importJobTimeoutMinutes: env.IMPORT_JOB_TIMEOUT_MINUTES,
    importJobPollSeconds: env.IMPORT_JOB_POLL_SECONDS,
    importJobRetryDelaySeconds: env.IMPORT_JOB_RETRY_DELAY_SECONDS,
    uploadDir: path.resolve(env.UPLOAD_DIR ?? path.join(os.tmpdir(), 'sms-client-admin-uploads')),
    bulkLimits: {
      export: { running: env.EXPORTS_MAX_RUNNING, perUser: env.EXPORTS_MAX_PER_USER },
      import: { running: env.IMPORTS_MAX_RUNNING, perUser: env.IMPORTS_MAX_PER_USER },
      bulkEdit: { running: env.BULK_EDITS_MAX_RUNNING, perUser: env.BULK_EDITS_MAX_PER_USER },
    },
    // A third of the pool by default: 3 of the default 10.
    bulkDbConnections: env.BULK_DB_CONNECTIONS ?? Math.max(1, Math.floor(env.DB_POOL_MAX / 3)),
    bulkWaitMs: env.BULK_WAIT_SECONDS * 1000,
    exportWriteTimeoutMs: env.EXPORT_WRITE_TIMEOUT_SECONDS * 1000,
    statementTimeoutMs: env.STATEMENT_TIMEOUT_SECONDS * 1000,
    bulkStatementTimeoutMs: env.BULK_STATEMENT_TIMEOUT_SECONDS * 1000,
  }
}

/** Parses process.env once; prints the problems and exits when the configuration is unusable. */
export function loadConfigOrExit(): AppConfig {
  try {
    return parseConfig(process.env)
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message)
      process.exit(1)
    }
    throw error
  }
}
