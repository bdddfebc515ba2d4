import type { Store, Options, ClientRateLimitInfo } from 'express-rate-limit'
import { QueryTypes, type Sequelize } from 'sequelize'

/**
 * Counters for express-rate-limit kept in PostgreSQL, so every app instance sees the same count
 * (a lockout on one instance holds on all). One row per key; a window restarts when it expires.
 */
export class PostgresThrottleStore implements Store {
  windowMs = 15 * 60 * 1000
  localKeys = false

  constructor(
    private readonly sequelize: Sequelize,
    readonly prefix: string,
  ) {}

  init(options: Options) {
    this.windowMs = options.windowMs
  }

  private key(key: string) {
    return `${this.prefix}:${key}`.slice(0, 300)
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const [row] = (await this.sequelize.query(
      'SELECT hits, reset_at FROM login_throttle WHERE key = :key AND reset_at > now()',
      { replacements: { key: this.key(key) }, type: QueryTypes.SELECT },
    )) as { hits: number; reset_at: Date }[]
    return row ? { totalHits: row.hits, resetTime: new Date(row.reset_at) } : undefined
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const [row] = (await this.sequelize.query(
      `INSERT INTO login_throttle (key, hits, reset_at)
       VALUES (:key, 1, now() + make_interval(secs => :seconds))
       ON CONFLICT (key) DO UPDATE SET
         hits = CASE WHEN login_throttle.reset_at <= now() THEN 1 ELSE login_throttle.hits + 1 END,
         reset_at = CASE WHEN login_throttle.reset_at <= now() THEN EXCLUDED.reset_at ELSE login_throttle.reset_at END
       RETURNING hits, reset_at`,
      { replacements: { key: this.key(key), seconds: this.windowMs / 1000 }, type: QueryTypes.SELECT },
    )) as { hits: number; reset_at: Date }[]
    return { totalHits: row.hits, resetTime: new Date(row.reset_at) }
  }

  async decrement(key: string) {
    await this.sequelize.query('UPDATE login_throttle SET hits = greatest(hits - 1, 0) WHERE key = :key', {
      replacements: { key: this.key(key) },
    })
  }

  async resetKey(key: string) {
    await this.sequelize.query('DELETE FROM login_throttle WHERE key = :key', { replacements: { key: this.key(key) } })
  }

  async resetAll() {
    await this.sequelize.query('DELETE FROM login_throttle WHERE key LIKE :prefix', {
      replacements: { prefix: `${this.prefix}:%` },
    })
  }
}
