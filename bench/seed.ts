import bcrypt from 'bcrypt'
import pg from 'pg'
import { Sequelize } from 'sequelize'
import { migrateUp } from '../src/db/migrator.js'
import { hashPassword } from '../src/auth/password-hashing.js'
import { defineModels } from '../src/models/index.js'
import { adminCount, bcryptRounds, benchUrl, clients, createdLoginPrefix, databaseName, managerCount, serverUrl, userPassword } from './config.js'

export type Seeded = {
  admins: { id: number; email: string }[]
  managers: { id: number; email: string }[]
  /** A client in the middle of the table, for "show". */
  showId: number
  seededNow: boolean
  seedMs: number
}

const marker = (n: number) => `sms-client-admin bench: ${n} clients, complete`
const log = (message: string) => console.log(`[seed] ${message}`)

const adminEmail = (i: number) => `admin${i}@bench.example`
const managerEmail = (i: number) => `manager${String(i).padStart(2, '0')}@bench.example`
export const firstAdminEmail = adminEmail(1)
export const firstManagerEmail = managerEmail(1)

async function withClient<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await run(client)
  } finally {
    await client.end()
  }
}

/**
 * bench_<N>: created, migrated with the app's migrations and filled, or reused when an earlier run
 * completed it (the database comment says so).
 */
export async function prepareDatabase(): Promise<Seeded> {
  const started = performance.now()
  const comment = await withClient(serverUrl.toString(), async (client) => {
    const { rows } = await client.query(
      `SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1`,
      [databaseName],
    )
    if (rows.length === 0) {
      log(`creating database ${databaseName}`)
      await client.query(`CREATE DATABASE ${databaseName}`)
    }
    return rows[0]?.comment as string | null | undefined
  })
  const reuse = comment === marker(clients)

  const sequelize = new Sequelize(benchUrl, { dialect: 'postgres', logging: false, define: { underscored: true } })
  try {
    await migrateUp(sequelize) // also brings a reused database up to new migrations
    const models = defineModels(sequelize, { allowPrivateWebhookHosts: false, hashPassword: (password) => hashPassword(password, bcryptRounds) })

    if (!reuse) {
      log(`filling ${databaseName} with ${clients.toLocaleString('en')} clients (one INSERT … generate_series)`)
      await sequelize.query('TRUNCATE clients, products, admin_users, sessions, login_throttle RESTART IDENTITY CASCADE')
      // Through the app's models: the password hooks hash with cost 12, as a real user would get.
      const users = [
        ...Array.from({ length: adminCount }, (_, i) => ({ email: adminEmail(i + 1), name: `Bench Admin ${i + 1}`, role: 'admin' })),
        ...Array.from({ length: managerCount }, (_, i) => ({ email: managerEmail(i + 1), name: `Bench Manager ${i + 1}`, role: 'manager' })),
      ]
      for (let i = 0; i < users.length; i += 4) {
        await Promise.all(users.slice(i, i + 4).map((user) => models.AdminUser.create({ ...user, password: userPassword })))
      }
      for (const product of [
        { code: 'START', name: 'Starter', active: true },
        { code: 'BUSINESS', name: 'Business', active: true },
        { code: 'ENTERPRISE', name: 'Enterprise', active: true },
      ]) {
        await models.Product.create(product)
      }
      await fillClients()
      await withClient(serverUrl.toString(), (client) => client.query(`COMMENT ON DATABASE ${databaseName} IS '${marker(clients)}'`))
    } else {
      log(`reusing ${databaseName} (${clients.toLocaleString('en')} clients)`)
      await cleanUp()
      await vacuumIfDirty()
    }

    const [userRows] = (await sequelize.query(`SELECT id, email, role FROM admin_users WHERE email LIKE '%@bench.example' ORDER BY email`)) as [
      { id: number; email: string; role: string }[],
      unknown,
    ]
    const [[middle]] = (await sequelize.query(`SELECT id FROM clients ORDER BY id OFFSET ${Math.floor(clients / 2)} LIMIT 1`)) as [{ id: number }[], unknown]
    return {
      admins: userRows.filter((u) => u.role === 'admin').map(({ id, email }) => ({ id, email })),
      managers: userRows.filter((u) => u.role === 'manager').map(({ id, email }) => ({ id, email })),
      showId: middle.id,
      seededNow: !reuse,
      seedMs: performance.now() - started,
    }
  } finally {
    await sequelize.close()
  }
}

/** Removes what a run leaves behind (created clients, sessions, login counters). */
export async function cleanUp() {
  await withClient(benchUrl, async (client) => {
    // A run stopped while it measured creates without the summary triggers leaves them off.
    await client.query('ALTER TABLE clients ENABLE TRIGGER USER')
    await client.query(`DELETE FROM clients WHERE login LIKE '${createdLoginPrefix}%'`)
    // Creates measured without the summary triggers (and removed just now) are recounted.
    await client.query('SELECT client_summary_rebuild()')
    await client.query('TRUNCATE sessions, login_throttle')
    // History entries written by the runs' creates and deletes (when the schema has a history table).
    const { rows } = await client.query(`SELECT to_regclass('change_history') IS NOT NULL AS present, to_regclass('client_change_owners') IS NOT NULL AS owners`)
    // With the owner rows of those entries (no foreign key removes them).
    if (rows[0].present) await client.query(rows[0].owners ? 'TRUNCATE change_history, client_change_owners' : 'TRUNCATE change_history')
  })
}

/**
 * An earlier run's bulk edit, import and their restores leave dead rows behind, and this machine's
 * PostgreSQL runs with autovacuum off: ~300,000 in clients and 320,000 in client_count_changes (two
 * live rows, 18 MB), which every unfiltered list's total reads, so list page 1 answered at a third
 * of its speed (the bare-pg baseline too). A reused database starts clean, as a freshly seeded one
 * does and as autovacuum keeps a production database.
 */
async function vacuumIfDirty() {
  await withClient(benchUrl, async (client) => {
    const { rows } = await client.query<{ dirty: string[] }>(
      `SELECT coalesce(array_agg(relname::text), '{}') AS dirty FROM pg_stat_user_tables WHERE n_dead_tup > greatest(1000, n_live_tup / 100)`,
    )
    if (!rows[0].dirty.length) return
    const started = performance.now()
    await client.query('VACUUM ANALYZE')
    // The pages VACUUM dirtied would otherwise be written out during the first scenarios.
    await client.query('CHECKPOINT')
    log(`VACUUM ANALYZE (dead rows from an earlier run in ${rows[0].dirty.join(', ')}) in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  })
}

async function fillClients() {
  const passwordHash = bcrypt.hashSync('client-password-1', bcryptRounds)
  await withClient(benchUrl, async (client) => {
    await client.query(`SET maintenance_work_mem = '512MB'`)
    await client.query('SET max_parallel_maintenance_workers = 2')
    // Loading 1M rows into a table with three trigram GIN indexes row by row takes far longer than
    // building them once: the migration's own index definitions are dropped and re-created as they were.
    const { rows: indexes } = await client.query<{ indexname: string; indexdef: string }>(
      `SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = 'public' AND i.tablename = 'clients'
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`,
    )
    for (const { indexname } of indexes) await client.query(`DROP INDEX ${indexname}`)

    const { rows: managers } = await client.query<{ id: number }>(`SELECT id FROM admin_users WHERE role = 'manager' ORDER BY id`)
    const { rows: products } = await client.query<{ id: number }>('SELECT id FROM products ORDER BY id')
    let t = performance.now()
    // Imported rows, as from an older system: row triggers (e.g. a change-history trigger, which would
    // write one entry per row) are off for the load. Foreign-key checks are not user triggers: they run.
    await client.query('BEGIN')
    await client.query('ALTER TABLE clients DISABLE TRIGGER USER')
    await client.query(clientsInsert, [clients, managers.map((m) => m.id), products.map((p) => p.id), passwordHash])
    await client.query('ALTER TABLE clients ENABLE TRIGGER USER')
    // The home page's counts (migration 0006) missed the load with the triggers: recounted once.
    await client.query('SELECT client_summary_rebuild()')
    await client.query('COMMIT')
    log(`inserted ${clients.toLocaleString('en')} clients in ${((performance.now() - t) / 1000).toFixed(1)} s`)

    t = performance.now()
    for (const { indexdef } of indexes) await client.query(indexdef)
    log(`re-created ${indexes.length} indexes in ${((performance.now() - t) / 1000).toFixed(1)} s`)
    t = performance.now()
    // VACUUM too: a freshly loaded table has no visibility map (no index-only scans) and unset hint
    // bits, and autovacuum would otherwise kick in at some random moment during the measurements.
    await client.query('VACUUM (ANALYZE) clients')
    await client.query('ANALYZE')
    log(`VACUUM ANALYZE in ${((performance.now() - t) / 1000).toFixed(1)} s`)
  })
}

/**
 * One statement, $1 = N, $2 = manager ids (round-robin), $3 = product ids, $4 = a valid bcrypt hash.
 * Deterministic: every "random" choice is hashint4extended(i, seed), so every run builds the same table.
 * Clients were created over three years, in id order with a few hours of jitter (as a serial id grows).
 */
const clientsInsert = `
WITH
  adjective AS (SELECT ARRAY['Acme','Globex','Initech','Umbrella','Hooli','Stark','Wayne','Wonka','Cyberdyne','Tyrell',
    'Soylent','Vandelay','Oscorp','Aperture','Monarch','Nakatomi','Massive','Bluth','Dunder','Sterling',
    'Prestige','Pied','Oceanic','Virtucon','Nordic','Sakura','Kangaroo','Maple','Pampa','Sunrise',
    'Brightline','Atlas','Vertex','Quantum','Polar','Crimson','Silver','Golden','Emerald','Blue'] AS a),
  noun AS (SELECT ARRAY['Telecom','Retail','Parcel','Clinics','Foods','Travel','Bank','Insurance','Logistics','Media',
    'Energy','Pharma','Motors','Systems','Labs','Holdings','Airlines','Hotels','Fitness','Realty',
    'Games','Couriers','Dental','Pizza','Taxi'] AS a),
  legal AS (SELECT ARRAY['GmbH','Ltd','LLC','Inc.','AB','S.A.','Pty Ltd','Group'] AS a),
  first AS (SELECT ARRAY['Anna','Ben','Chloe','David','Elena','Felix','Grace','Hugo','Ines','Jonas','Kira','Liam',
    'Mia','Noah','Olga','Paul','Rosa','Sven','Tara','Umar','Vera','Yuki','Zoe','Omar','Lena'] AS a),
  last AS (SELECT ARRAY['Schmidt','Novak','Rossi','Dubois','Garcia','Kowalski','Jensen','Silva','Mueller','Costa',
    'Tanaka','Smith','Brown','Nguyen','Ivanova','Horvat','Larsen','Moreau','Fischer','Santos',
    'Kim','Patel','Okafor','Wagner','Bianchi','Lopez','Berg','Nowak','Murphy','Cohen'] AS a),
  -- country, time zone, currency (NULL = not chosen yet), phone prefix, mail TLD
  place AS (SELECT ARRAY[
    ['DE','Europe/Berlin','EUR','+49','de'], ['GB','Europe/London','GBP','+44','co.uk'],
    ['SE','Europe/Stockholm','SEK','+46','se'], ['US','America/New_York','USD','+1','com'],
    ['AR','America/Argentina/Buenos_Aires',NULL,'+54','com.ar'], ['JP','Asia/Tokyo','JPY','+81','jp'],
    ['AU','Australia/Sydney','AUD','+61','com.au'], ['CA','America/Toronto',NULL,'+1','ca'],
    ['FR','Europe/Paris','EUR','+33','fr'], ['PL','Europe/Warsaw','PLN','+48','pl'],
    ['BR','America/Sao_Paulo','BRL','+55','com.br'], ['IN','Asia/Kolkata','INR','+91','in']] AS a),
  g AS (
    SELECT i,
      (hashint4extended(i, 1) & 2147483647) AS h1, (hashint4extended(i, 2) & 2147483647) AS h2, (hashint4extended(i, 3) & 2147483647) AS h3,
      (hashint4extended(i, 4) & 2147483647) AS h4, (hashint4extended(i, 5) & 2147483647) AS h5, (hashint4extended(i, 6) & 2147483647) AS h6
    FROM generate_series(1, $1::int) AS i
  ),
  c AS (
    SELECT g.*,
      adjective.a[1 + h1 % 40] AS adj, noun.a[1 + (h1 / 40) % 25] AS nou, legal.a[1 + (h1 / 1000) % 8] AS leg,
      first.a[1 + h2 % 25] AS fn, last.a[1 + (h2 / 25) % 30] AS ln,
      place.a[1 + h3 % 12][1] AS country, place.a[1 + h3 % 12][2] AS tz, place.a[1 + h3 % 12][3] AS cur,
      place.a[1 + h3 % 12][4] AS dial, place.a[1 + h3 % 12][5] AS tld,
      h4 % 10 = 0 AS individual,
      now() - interval '3 years' + (interval '3 years') * ((i - 1)::float8 / $1::int) + interval '1 minute' * (h5 % 600 - 300) AS created
    FROM g, adjective, noun, legal, first, last, place
  ),
  d AS (
    SELECT c.*,
      CASE WHEN individual THEN lower(ln) ELSE lower(adj) END || '-' || lpad(i::text, greatest(6, length(i::text)), '0') AS login,
      CASE WHEN individual THEN (ARRAY['gmail.com','outlook.com','proton.me','yahoo.com'])[1 + h6 % 4]
           ELSE lower(adj) || '-' || lower(nou) || '.' || tld END AS domain
    FROM c
  )
INSERT INTO clients (
  login, password_hash, manager_id, notification_limit, moderation, timezone, dispatch_from, dispatch_to, currency,
  allow_credit, allow_overdraw, sms_priority, disable_blacklist, dynamic_sender, mo_via_smpp, daily_stats_mailing,
  contact_name, contract_number, company, company_credentials, phone, country, telegram, skype, dlr_wait_days,
  delivery_status, can_send_smpp, can_send_api, can_send_web, can_send_rest_api, can_add_subaccount,
  email, price_update_email, billing_email, price_update_format, api_dlr_url, api_mo_url, rest_dlr_url, rest_mo_url,
  client_type, invoice_dates, send_stats, send_invoices, send_to_email, comments, product_id, created_at, updated_at)
SELECT
  login,
  $4,
  ($2::int[])[1 + i % cardinality($2::int[])],
  CASE WHEN h4 % 3 = 0 THEN (1 + h5 % 100) * 1000 END,
  CASE WHEN h6 % 10 < 3 THEN 'automatic' ELSE 'manual' END,
  tz,
  CASE h5 % 6 WHEN 0 THEN time '08:00' WHEN 1 THEN time '09:00' WHEN 2 THEN time '22:00' END,
  CASE h5 % 6 WHEN 0 THEN time '20:00' WHEN 1 THEN time '18:00' WHEN 2 THEN time '06:00' END,
  CASE WHEN h6 % 9 = 0 THEN NULL ELSE cur END,
  (h4 % 50) * 100,
  CASE WHEN h5 % 4 = 0 THEN (h5 % 20) * 50 ELSE 0 END,
  h6 % 4,
  h1 % 17 = 0, h2 % 5 = 0, h3 % 7 = 0, h4 % 2 = 0,
  fn || ' ' || ln,
  'C-' || to_char(created, 'YYYY') || '-' || lpad(i::text, 7, '0'),
  CASE WHEN individual THEN NULL ELSE adj || ' ' || nou || ' ' || leg END,
  CASE WHEN NOT individual AND h6 % 3 = 0 THEN 'VAT ' || country || lpad((h6 % 1000000000)::text, 9, '0') END,
  dial || lpad((h3 % 1000000000)::text, 9, '0'),
  country,
  CASE WHEN h5 % 5 = 0 THEN lower(fn) || '_' || lower(ln) END,
  CASE WHEN h5 % 11 = 0 THEN 'live:' || lower(fn) || '.' || lower(ln) END,
  1 + h4 % 7,
  CASE WHEN h6 % 20 = 0 THEN 'expired' ELSE 'active' END,
  h1 % 3 = 0, h2 % 2 = 0, h3 % 10 <> 0, h4 % 4 = 0, h5 % 13 = 0,
  lower(fn) || '.' || lower(ln) || CASE WHEN individual THEN (i % 1000)::text ELSE '' END || '@' || domain,
  CASE WHEN h2 % 4 = 0 THEN 'prices@' || domain END,
  CASE WHEN h3 % 3 = 0 THEN 'billing@' || domain END,
  CASE WHEN h4 % 5 = 0 THEN 'csv' ELSE 'xlsx' END,
  CASE WHEN h5 % 3 = 0 THEN 'https://hooks.' || domain || '/sms/dlr' END,
  CASE WHEN h5 % 3 = 0 THEN 'https://hooks.' || domain || '/sms/mo' END,
  CASE WHEN h6 % 4 = 0 THEN 'https://api.' || domain || '/v2/dlr' END,
  CASE WHEN h6 % 4 = 0 THEN 'https://api.' || domain || '/v2/mo' END,
  CASE WHEN individual THEN 'individual' ELSE 'company' END,
  CASE h6 % 4 WHEN 1 THEN '{1}'::int[] WHEN 2 THEN '{1,15}'::int[] WHEN 3 THEN '{5,20}'::int[] END,
  h1 % 2 = 0, h2 % 3 = 0, h3 % 4 = 0,
  CASE h4 % 8 WHEN 0 THEN 'Migrated from the old billing system.' WHEN 1 THEN 'Prepaid only until the contract is signed.'
    WHEN 2 THEN 'High volume in December; check routes before the holidays.' END,
  CASE WHEN h2 % 4 = 3 THEN NULL ELSE ($3::int[])[1 + h2 % cardinality($3::int[])] END,
  created,
  least(now(), created + interval '1 hour' * (h3 % 5000))
FROM d
`
