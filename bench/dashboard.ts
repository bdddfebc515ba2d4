import pg from 'pg'
import { benchUrl, clients, createdLoginPrefix } from './config.js'
import { prepareDatabase } from './seed.js'

/**
 * The home page's part of the bench (issue #14): a change history to read the latest changes
 * from, the summary triggers switched off and on to measure what their bookkeeping costs a
 * create, and the same cost measured on single INSERT transactions without HTTP and bcrypt.
 */

const SUMMARY_TRIGGERS = ['clients_summary_insert', 'clients_summary_update', 'clients_summary_delete']

/**
 * `entries` update entries over the last 30 days, on clients spread over the whole table, by the
 * admins and each client's manager (as if they had been edited in the panel). The run's clean-up
 * empties the history again.
 */
export async function seedHistory(db: pg.Pool, entries: number, adminIds: number[]) {
  // With their owner rows (a manager's latest changes are read through them), as the clients' own
  // history trigger writes them (migration 0025): nothing writes them for an entry inserted here.
  await db.query(
    `WITH entry AS (
       INSERT INTO change_history (resource, record_id, client_id, action, actor_id, actor_email, changes, created_at)
       SELECT 'Client', c.id, c.id, 'update', actor.id, actor.email,
              jsonb_build_array(jsonb_build_object('field', 'allow_credit', 'old', 0, 'new', (n % 50) * 100)),
              now() - interval '30 days' * (n::float8 / $1)
         FROM generate_series(1, $1::int) AS n
         JOIN clients c ON c.id = 1 + (hashint4extended(n, 7) & 2147483647) % (SELECT max(id) FROM clients)
         JOIN admin_users actor ON actor.id = CASE WHEN n % 3 = 0 THEN ($2::int[])[1 + n % cardinality($2::int[])] ELSE c.manager_id END
       RETURNING id, client_id, created_at
     )
     INSERT INTO client_change_owners (change_id, manager_id, created_at)
     SELECT entry.id, c.manager_id, entry.created_at FROM entry JOIN clients c ON c.id = entry.client_id`,
    [entries, adminIds],
  )
  await db.query('VACUUM ANALYZE client_change_owners')
  // Vacuumed as well: left to autovacuum, 100,000 fresh rows get vacuumed during whichever home
  // page is measured first (the admin's), and that one read slower than the manager's after it.
  await db.query('VACUUM ANALYZE change_history')
}

/** Switches the summary's triggers off or on (nothing else writes while the bench does this). */
export async function summaryTriggers(db: pg.Pool, enabled: boolean) {
  for (const trigger of SUMMARY_TRIGGERS) await db.query(`ALTER TABLE clients ${enabled ? 'ENABLE' : 'DISABLE'} TRIGGER ${trigger}`)
}

/**
 * Median time of one create as a database transaction (actor settings, INSERT … RETURNING, commit,
 * as the panel sends it), with and without the summary triggers: alternating rounds so that both
 * see the same machine. The rows are removed and the summary recounted afterwards.
 */
export async function insertTiming(db: pg.Pool, managerId: number, passwordHash: string, rounds = 6, perRound = 200) {
  const client = await db.connect()
  const times = { with: [] as number[], without: [] as number[] }
  let n = 0
  try {
    for (let round = 0; round < rounds; round += 1) {
      const mode = round % 2 === 0 ? 'with' : 'without'
      await summaryTriggers(db, mode === 'with')
      for (let i = 0; i < perRound; i += 1) {
        n += 1
        const login = `${createdLoginPrefix}sql-${process.pid}-${n}`
        const started = performance.now()
        await client.query('BEGIN')
        await client.query(`SELECT set_config('app.actor_id', '1', true), set_config('app.actor_email', 'bench@example.com', true)`)
        await client.query(
          `INSERT INTO clients (login, password_hash, manager_id, email, currency) VALUES ($1, $2, $3, $4, 'EUR') RETURNING *`,
          [login, passwordHash, managerId, `ops@${login}.example.com`],
        )
        await client.query('COMMIT')
        times[mode].push(performance.now() - started)
      }
    }
  } finally {
    client.release()
    await summaryTriggers(db, true)
    await db.query(`DELETE FROM clients WHERE login LIKE $1`, [`${createdLoginPrefix}sql-%`])
    await db.query('SELECT client_summary_rebuild()')
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
  return { with: median(times.with), without: median(times.without), count: times.with.length }
}

/** The bench database, with enough change history for the home page's reads to mean something. */
export async function prepareReadDatabase() {
  const seeded = await prepareDatabase()
  const pool = new pg.Pool({ connectionString: benchUrl, max: 2 })
  try {
    const { rows: [{ n }] } = await pool.query(`SELECT count(*)::int AS n FROM change_history`)
    if (n < 1000) await seedHistory(pool, Math.min(20_000, clients), seeded.admins.map((admin) => admin.id))
  } finally {
    await pool.end()
  }
  return seeded
}
