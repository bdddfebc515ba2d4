/**
 * Issue #25, isolation of bulk work: stalled export downloads never take what everyone else's next
 * click needs, and the export limits hold. Through HTTP to the app listening on a port; stalled
 * downloads are raw sockets that behave as such clients do. The waits are hang detectors (generous
 * deadlines), not speed measurements.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { QueryTypes } from 'sequelize'
import { eventually, settledWithin } from './helpers/eventually.js'
import { api, createClient, PASSWORD, startTestApp, type TestApp } from './helpers/harness.js'
import { listen, loginCookie, stalledDownload, type Listening } from './helpers/raw-http.js'

// The embedded database has one backend for every connection: an open export or a row lock there
// holds the whole database (README), so what these tests isolate only exists on PostgreSQL.
const onlyOnPostgres = process.env.DATABASE_URL ? false : 'needs PostgreSQL (DATABASE_URL): the embedded database has one backend'

describe('exports: stalled downloads and limits', { skip: onlyOnPostgres }, () => {
  let t: TestApp
  let http: Listening
  let port: number
  let adminCookie: string
  before(async () => {
    // Five connections for bulk work and two for everyone else: the ten stalled downloads are cut
    // off in two rounds of EXPORT_WRITE_TIMEOUT rather than four (with three of five).
    t = await startTestApp({
      dbPoolMax: 7,
      bulkDbConnections: 5,
      exportWriteTimeoutMs: 2000,
      bulkLimits: { export: { running: 10, perUser: 10 }, import: { running: 2, perUser: 1 }, bulkEdit: { running: 2, perUser: 1 } },
      bulkWaitMs: 120_000,
    })
    // ~24 MB of CSV: far more than the socket buffers between a stalled client and the server hold.
    // In wide rows (comments near their 10,000-character limit): an export's cost is per row, and
    // it is the bytes that fill the buffers.
    await createClient(t, 'stall-seed', { comments: 'x'.repeat(9600) })
    const columns = ((await t.db.sequelize.query(
      `SELECT column_name AS name FROM information_schema.columns WHERE table_name = 'clients' AND column_name NOT IN ('id', 'login', 'email') AND is_generated = 'NEVER'`,
      { type: QueryTypes.SELECT },
    )) as { name: string }[]).map((row) => `"${row.name}"`)
    await t.db.sequelize.query(
      `INSERT INTO clients (login, email, ${columns.join(', ')})
       SELECT 'stall-' || g, 'stall-' || g || '@example.com', ${columns.map((column) => `c.${column}`).join(', ')}
         FROM clients c, generate_series(1, 2500) AS g WHERE c.login = 'stall-seed'`,
    )
    http = await listen(t.app)
    port = http.port
    adminCookie = await loginCookie(http.base, 'admin@example.com')
  })
  after(async () => {
    await http?.close()
    await t?.close()
  })

  test('ten stalled export downloads leave lists, logins and /health answering; each is cut off and gives its connection back', async () => {
    const downloads = Array.from({ length: 10 }, () => stalledDownload(port, '/admin/exports/Client.csv', adminCookie))
    // They are under way: the first ones hold the connections bulk work may hold, the rest wait for one.
    const share = t.db.bulk
    await eventually(async () => share.usage().export === 10, 30_000)
    assert.equal(share.usage().export, 10)
    assert.ok(share.usage().connections <= share.settings.connections, JSON.stringify(share.usage()))

    const base = http.base
    const answered = async (what: string, call: () => Promise<Response>, status: number) => {
      const started = Date.now()
      const response = await call()
      assert.equal(response.status, status, `${what}: ${response.status} ${await response.text()}`)
      assert.ok(Date.now() - started < 15_000, `${what} answered after ${Date.now() - started} ms`)
    }
    const managerCookie = await loginCookie(http.base, 'manager1@example.com')
    for (let round = 0; round < 3; round += 1) {
      await answered('list', () => fetch(`${base}${api.list('Client')}`, { headers: { cookie: managerCookie } }), 200)
      await answered('health', () => fetch(`${base}/health`), 200)
      await answered('login', () =>
        fetch(`${base}/admin/login`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ email: 'manager2@example.com', password: PASSWORD }),
        }), 302)
    }

    // Each one is cut off once it has read nothing for EXPORT_WRITE_TIMEOUT (2 s here): its cursor
    // ends and its connection goes back.
    await eventually(async () => share.usage().connections === 0 && share.usage().export === 0, 120_000)
    assert.deepEqual(share.usage(), { connections: 0, waiting: 0, export: 0, import: 0, bulkEdit: 0 })
    // The client, once it reads again, finds the file cut short and the connection closed.
    for (const download of downloads) download.socket.resume()
    await settledWithin(Promise.all(downloads.map((download) => download.closedAt)), 60_000)
    assert.deepEqual(downloads.map((download) => download.isClosed()), downloads.map(() => true), 'every stalled download was closed by the server')
    // The pool is whole again: a full export now runs to its end.
    const full = await fetch(`${base}/admin/exports/Client.csv?filters.login=stall-seed`, { headers: { cookie: adminCookie } })
    assert.equal(full.status, 200)
    assert.match(await full.text(), /stall-seed/)
  })

  test('beyond the limits an export answers 429 naming the limit', async () => {
    const share = t.db.bulk
    const saved = structuredClone(share.settings.limits.export)
    Object.assign(share.settings.limits.export, { running: 2, perUser: 1 })
    const base = http.base
    const held = stalledDownload(port, '/admin/exports/Client.csv', adminCookie)
    try {
      await eventually(async () => share.usage().export === 1, 30_000)
      const again = await fetch(`${base}/admin/exports/Client.csv`, { headers: { cookie: adminCookie } })
      assert.equal(again.status, 429)
      assert.match((await again.json()).error, /EXPORTS_MAX_PER_USER/)

      const managerCookie = await loginCookie(http.base, 'manager1@example.com')
      const second = stalledDownload(port, '/admin/exports/Client.csv', managerCookie)
      try {
        await eventually(async () => share.usage().export === 2, 30_000)
        const third = await fetch(`${base}/admin/exports/Client.csv`, { headers: { cookie: await loginCookie(http.base, 'manager2@example.com') } })
        assert.equal(third.status, 429)
        assert.match((await third.json()).error, /EXPORTS_MAX_RUNNING/)
      } finally {
        second.socket.destroy()
      }
    } finally {
      held.socket.destroy()
      await eventually(async () => share.usage().export === 0, 30_000)
      Object.assign(share.settings.limits.export, saved)
    }
  })
})

