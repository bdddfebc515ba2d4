import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { parse } from 'csv-parse/sync'
import { QueryTypes } from 'sequelize'
import request from 'supertest'
import { kinds } from '../src/fields/kinds.js'
import { fieldsOf } from '../src/fields/model.js'
import { restoreFormula } from '../src/exports/spreadsheet-safe.js'
import { clientDefinition } from '../src/resources/client/client.fields.js'
import { eventually } from './helpers/eventually.js'
import { api, createClient, PASSWORD, startTestApp, type TestApp } from './helpers/harness.js'

// GET /admin/exports/Client.csv: the list's rows as a streamed CSV (issue #15).

const EXPORT = '/admin/exports/Client.csv'
const COMMENT = 'Pays late, "always" asks for a discount,\nsee the contract; call first\r\nthen write'

let t: TestApp
let admin: Awaited<ReturnType<TestApp['loginAs']>>
let manager1: Awaited<ReturnType<TestApp['loginAs']>>
let manager2: Awaited<ReturnType<TestApp['loginAs']>>

type Csv = { raw: string; header: string[]; rows: Record<string, string>[]; status: number; type: string }

async function exportCsv(agent: request.Agent | request.SuperTest<request.Test>, query: Record<string, string | number> = {}): Promise<Csv> {
  const response = await agent.get(EXPORT).query(query).buffer(true)
  assert.equal(response.status, 200, JSON.stringify(response.body))
  const raw: string = response.text
  const [header, ...cells] = parse(raw, { bom: true }) as string[][]
  const rows = cells.map((row) => Object.fromEntries(header.map((label, i) => [label, row[i]])))
  return { raw, header, rows, status: response.status, type: response.headers['content-type'] }
}

/** Every row the list matches, all pages, in its order. */
async function listIds(agent: request.Agent, query: Record<string, string | number> = {}) {
  const response = await agent.get(api.list('Client')).query({ ...query, perPage: 100 })
  assert.equal(response.status, 200)
  assert.notEqual(response.body.notice?.type, 'error', JSON.stringify(response.body.notice))
  return { ids: response.body.records.map((record: { id: string }) => String(record.id)), total: response.body.meta.total as number }
}

const seed = (login: string, managerId: number, extra: Record<string, unknown> = {}) => createClient(t, login, { managerId, ...extra })

const ids: Record<string, number> = {}

before(async () => {
  t = await startTestApp()
  admin = await t.loginAs('admin@example.com')
  manager1 = await t.loginAs('manager1@example.com')
  manager2 = await t.loginAs('manager2@example.com')
  ids.formulas = await seed('formulas', t.ids.manager1, {
    contactName: '=1+1',
    company: '@SUM(A1)',
    contractNumber: '-2',
    companyCredentials: '+31 6 12345678',
    skype: "'quoted",
    comments: '\tstarts with a tab',
    phone: '+49 151 12345678',
    deliveryStatus: 'expired',
  })
  ids.values = await seed('values', t.ids.manager2, {
    timezone: 'Europe/Berlin',
    dispatchFrom: '22:00',
    dispatchTo: '06:00',
    invoiceDates: '15, 1,15',
    allowCredit: '1234.5',
    currency: 'EUR',
    canSendSmpp: 'true',
    productId: t.ids.productActive,
    clientType: 'individual',
    comments: COMMENT,
    company: 'Values, Inc.',
  })
  for (let i = 0; i < 12; i += 1) {
    ids[`bulk${i}`] = await seed(`bulk-${String(i).padStart(2, '0')}`, i % 3 === 0 ? t.ids.manager2 : t.ids.manager1, {
      company: i % 2 ? `Acme ${i}` : `Zebra ${i}`,
      deliveryStatus: i % 4 === 0 ? 'expired' : 'active',
      currency: i % 5 === 0 ? 'USD' : null,
      email: `${String.fromCharCode(122 - i)}-bulk@example.com`,
    })
  }
})
after(() => t.close())

const formLabels = fieldsOf(clientDefinition)
  .filter(([, def]) => !kinds[def.kind].virtual)
  .map(([, def]) => def.label)

describe('the file', () => {
  test('is a UTF-8 CSV with a BOM, headed by the field labels in form order, then ID and timestamps', async () => {
    const response = await admin.get(EXPORT).buffer(true)
    assert.equal(response.headers['content-type'], 'text/csv; charset=utf-8')
    assert.match(response.headers['content-disposition'], /^attachment; filename="clients-\d{8}-\d{4}\.csv"$/)
    const csv = await exportCsv(admin)
    assert.ok(csv.raw.startsWith('\uFEFF'), 'starts with a byte order mark')
    assert.deepEqual(csv.header, [...formLabels, 'ID', 'Created', 'Updated'])
    assert.ok(csv.header.includes('Throughput (SMS per second)'), 'a field added to the definitions is exported with no other edit')
    assert.match(csv.raw, /\r\n$/, 'records end with CRLF')
  })

  test('a new field definition is a new column with no other edit', async () => {
    const section = clientDefinition.sections.at(-1)!
    section.fields.exportProbe = { label: 'Export probe', kind: 'string' }
    try {
      const { csvColumns } = await import('../src/exports/csv-columns.js')
      const { columns } = csvColumns(clientDefinition, t.admin.findResource('Client') as never)
      assert.ok(columns.some((column) => column.label === 'Export probe' && column.attribute === 'exportProbe'))
    } finally {
      delete section.fields.exportProbe
    }
  })

  test('never a password, a hash or a confirmation', async () => {
    const csv = await exportCsv(admin)
    const hashes = (await t.db.sequelize.query('SELECT password_hash FROM clients', { type: QueryTypes.SELECT })) as { password_hash: string }[]
    assert.ok(hashes.length > 0)
    for (const { password_hash: hash } of hashes) assert.ok(!csv.raw.includes(hash), 'no stored hash in the file')
    assert.ok(!/\$2[aby]\$/.test(csv.raw), 'nothing that looks like a bcrypt hash')
    assert.ok(!csv.raw.includes('secret-password-1'), 'no password')
    for (const label of ['Password', 'Retype password']) assert.ok(!csv.header.includes(label))
    assert.ok(!csv.header.some((label) => /hash/i.test(label)))
  })

  test('values as a person reads them: codes, zones, HH:MM, day lists, true/false, dot decimals, ISO timestamps, natural keys', async () => {
    const { rows } = await exportCsv(admin)
    const row = rows.find((r) => r.Login === 'values')!
    assert.equal(row.Manager, 'manager2@example.com')
    assert.equal(row.Product, 'BUSINESS')
    assert.equal(row['Local time'], 'Europe/Berlin')
    assert.equal(row['Time of dispatch (from)'], '22:00')
    assert.equal(row['Time of dispatch (to)'], '06:00')
    assert.equal(row['Dates for invoices (separated by commas)'], '1, 15')
    assert.equal(row['Allow credit'], '1234.50')
    assert.equal(row['Allow overdraw (temporary credit)'], '0.00')
    assert.equal(row.Currency, 'EUR')
    assert.equal(row['Can Send via SMPP'], 'true')
    assert.equal(row['Can Send via API'], 'false')
    assert.equal(row.Enterprise, 'individual')
    assert.equal(row['Notification limit'], '')
    assert.equal(row.ID, String(ids.values))
    assert.match(row.Created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    const formulas = rows.find((r) => r.Login === 'formulas')!
    assert.equal(formulas.Product, '')
    assert.equal(formulas['Local time'], 'UTC')
  })

  test('a comment with commas, quotes and line breaks round-trips through a CSV parser', async () => {
    const csv = await exportCsv(admin)
    assert.equal(csv.rows.find((r) => r.Login === 'values')!.Comments, COMMENT)
    assert.equal(csv.rows.find((r) => r.Login === 'values')!.Company, 'Values, Inc.')
    assert.ok(csv.raw.includes('"Pays late, ""always"" asks'), 'quoted as RFC 4180 says')
  })

  test('formula-looking cells are neutralized; removing the prefix gives back the stored value', async () => {
    const csv = await exportCsv(admin)
    const row = csv.rows.find((r) => r.Login === 'formulas')!
    assert.equal(row['First and Last Name'], "'=1+1")
    assert.equal(row.Company, "'@SUM(A1)")
    assert.equal(row['Number of contract'], "'-2")
    assert.equal(row['Company Credential'], "'+31 6 12345678")
    assert.equal(row.Phone, "'+4915112345678")
    assert.equal(row.Comments, "'\tstarts with a tab")
    assert.equal(row.Skype, "''quoted")
    for (const r of csv.rows) {
      for (const [label, cell] of Object.entries(r)) assert.ok(!/^[=+\-@\t\r]/.test(cell), `${label} of ${r.Login} starts like a formula: ${JSON.stringify(cell)}`)
    }
    const stored = (await t.models.Client.findByPk(ids.formulas))!.toJSON() as Record<string, unknown>
    assert.equal(restoreFormula(row['First and Last Name']), stored.contactName)
    assert.equal(restoreFormula(row.Skype), stored.skype)
    assert.equal(restoreFormula(row.Phone), stored.phone)
  })
})

describe('the same rows as the list', () => {
  const queries: Record<string, string | number>[] = [
    {},
    { 'filters.login': 'BULK' },
    { 'filters.company': 'acme', sortBy: 'login', direction: 'asc' },
    { 'filters.deliveryStatus': 'expired' },
    { 'filters.currency': 'USD', 'filters.deliveryStatus': 'expired' },
    { sortBy: 'email', direction: 'desc' },
    { sortBy: 'company', direction: 'asc' },
    { 'filters.clientType': 'individual' },
    { 'filters.login': 'no-such-client' },
  ]
  for (const role of ['admin', 'manager1', 'manager2'] as const) {
    test(`as ${role}: row count, ids and order match the list for each filter and sort`, async () => {
      const agent = { admin, manager1, manager2 }[role]
      for (const query of [...queries, { 'filters.managerId': t.ids.manager2 }]) {
        const list = await listIds(agent, query)
        const csv = await exportCsv(agent, query)
        assert.equal(csv.rows.length, list.total, `${JSON.stringify(query)}: as many rows as the list's total`)
        assert.deepEqual(csv.rows.map((row) => row.ID), list.ids, `${JSON.stringify(query)}: the list's rows in its order`)
      }
    })
  }

  test('rows carry the same values as the show page', async () => {
    const csv = await exportCsv(admin, { 'filters.login': 'bulk-0' })
    for (const row of csv.rows) {
      const shown = (await admin.get(api.record('Client', row.ID, 'show'))).body.record.params
      assert.equal(row.Login, shown.login)
      assert.equal(row.Company, shown.company)
      assert.equal(row['E-mail'], shown.email)
      assert.equal(row['Delivery Status'], shown.deliveryStatus)
      assert.equal(row.Currency, shown.currency ?? '')
    }
  })

  test("a manager's file holds only their own clients, whatever the query says", async () => {
    const own = (await t.db.sequelize.query('SELECT id FROM clients WHERE manager_id = :m ORDER BY id', {
      replacements: { m: t.ids.manager1 },
      type: QueryTypes.SELECT,
    })) as { id: number }[]
    const csv = await exportCsv(manager1)
    assert.deepEqual(csv.rows.map((row) => Number(row.ID)).sort((a, b) => a - b), own.map((row) => row.id))
    assert.ok(csv.rows.every((row) => row.Manager === 'manager1@example.com'))
    const other = await exportCsv(manager1, { 'filters.managerId': t.ids.manager2 })
    assert.equal(other.rows.length, 0, "another manager's id as a filter finds nothing")
    assert.deepEqual(other.header, [...formLabels, 'ID', 'Created', 'Updated'])
  })
})

describe('a selection (the list\'s bulk action)', () => {
  test('ids= exports only those rows, in the list order; recordIds= works too', async () => {
    const chosen = [ids.bulk1, ids.values, ids.bulk5]
    const csv = await exportCsv(admin, { ids: chosen.join(','), sortBy: 'login', direction: 'asc' })
    assert.deepEqual(csv.rows.map((row) => row.Login), ['bulk-01', 'bulk-05', 'values'])
    const same = await exportCsv(admin, { recordIds: chosen.join(','), sortBy: 'login', direction: 'asc' })
    assert.deepEqual(same.rows.map((row) => row.Login), ['bulk-01', 'bulk-05', 'values'])
  })

  test("a manager's selection of another manager's clients exports none of them", async () => {
    const csv = await exportCsv(manager1, { ids: [ids.values, ids.bulk0, ids.bulk1].join(',') })
    assert.deepEqual(csv.rows.map((row) => row.Login), ['bulk-01'])
  })

  test('ids that are not ids are refused', async () => {
    const response = await admin.get(EXPORT).query({ ids: '1,abc' })
    assert.equal(response.status, 400)
    assert.equal(response.body.field, 'ids')
  })

  test('the bulk action answers with the selected records (what its drawer lists)', async () => {
    const response = await manager1.get(api.bulk('Client', 'exportSelectedCsv', [ids.bulk1, ids.values]))
    assert.equal(response.status, 200)
    assert.deepEqual(response.body.records.map((record: { params: { login: string } }) => record.params.login), ['bulk-01'])
    for (const record of response.body.records) assert.equal(record.params.passwordHash, undefined)
  })
})

describe('refusals', () => {
  test('unknown or secret filter and sort fields: 400 naming the field', async () => {
    for (const [query, field] of [
      [{ 'filters.nope': 'x' }, 'nope'],
      [{ 'filters.passwordHash': '$2b' }, 'passwordHash'],
      [{ 'filters.password': 'secret' }, 'password'],
      [{ sortBy: 'passwordHash' }, 'passwordHash'],
      [{ sortBy: 'nope' }, 'nope'],
      [{ 'filters.login.deeper': 'x' }, 'login.deeper'],
    ] as const) {
      const response = await admin.get(EXPORT).query(query)
      assert.equal(response.status, 400, JSON.stringify(query))
      assert.equal(response.body.field, field)
      assert.match(response.body.error, new RegExp(`by ${field.replace('.', '\\.')}$`))
      assert.ok(!String(response.headers['content-type']).startsWith('text/csv'))
    }
  })

  test('a filter value the column cannot hold matches nothing, as in the list (not a 500)', async () => {
    const csv = await exportCsv(admin, { 'filters.createdAt~~from': 'not-a-date' })
    assert.equal(csv.rows.length, 0)
  })

  test('not logged in: 401 JSON, no file', async () => {
    const response = await request(t.app).get(EXPORT)
    assert.equal(response.status, 401)
    assert.match(response.headers['content-type'], /json/)
    assert.ok(response.body.error)
  })

  test('a deactivated user: 401, no file', async () => {
    const user = await t.models.AdminUser.create({ email: 'leaving@example.com', name: 'Leaving', role: 'manager', password: PASSWORD })
    const agent = await t.loginAs('leaving@example.com')
    await user.update({ active: false })
    const response = await agent.get(EXPORT)
    assert.equal(response.status, 401)
  })
})

describe('the change history', () => {
  test('records who exported which query and how many rows, readably', async () => {
    const csv = await exportCsv(admin, { 'filters.deliveryStatus': 'active', sortBy: 'login', direction: 'desc' })
    assert.ok(csv.rows.length > 1)
    const [entry] = (await t.db.sequelize.query(
      `SELECT resource, record_id, action, actor_id, actor_email, changes FROM change_history WHERE action = 'export' ORDER BY id DESC LIMIT 1`,
      { type: QueryTypes.SELECT },
    )) as { resource: string; record_id: number; action: string; actor_id: number; actor_email: string; changes: Record<string, unknown>[] }[]
    assert.equal(entry.resource, 'Client')
    assert.equal(entry.actor_id, t.ids.admin)
    assert.equal(entry.actor_email, 'admin@example.com')
    assert.deepEqual(entry.changes, [
      { field: 'export', rows: csv.rows.length, filter: { deliveryStatus: 'active' }, sort: { sortBy: 'login', direction: 'desc' } },
    ])

    const history = await admin.get(api.list('ChangeHistory')).query({ 'filters.action': 'export' })
    const [newest] = history.body.records
    assert.equal(newest.params.actorEmail, 'admin@example.com')
    assert.equal(newest.params.action, 'export')
    assert.equal(
      newest.params.summary,
      `Exported ${csv.rows.length} clients (filter: deliveryStatus=active; sorted by login desc)`,
    )
    assert.equal(newest.params['changes.0.rows'], undefined, 'the list shows the summary, not the raw entry')
  })

  test("a manager's export and a selection are recorded too", async () => {
    const csv = await exportCsv(manager2, { ids: `${ids.values},${ids.bulk0}` })
    assert.equal(csv.rows.length, 2)
    const [entry] = (await t.db.sequelize.query(`SELECT actor_email, changes FROM change_history WHERE action = 'export' ORDER BY id DESC LIMIT 1`, {
      type: QueryTypes.SELECT,
    })) as { actor_email: string; changes: { rows: number; ids: number[] }[] }[]
    assert.equal(entry.actor_email, 'manager2@example.com')
    assert.equal(entry.changes[0].rows, 2)
    assert.deepEqual(entry.changes[0].ids, [ids.values, ids.bulk0])
    const history = await admin.get(api.list('ChangeHistory')).query({ 'filters.action': 'export' })
    assert.equal(history.body.records[0].params.summary, 'Exported 2 clients (2 selected; sorted by createdAt desc)')
  })
})

describe('streaming', () => {
  const MANY = 5_000
  let server: http.Server
  let origin: string

  before(async () => {
    // Enough rows that the file (~7 MB) cannot sit in socket buffers: a reader that stops early
    // really stops the stream midway.
    await t.db.sequelize.query(
      `INSERT INTO clients (login, password_hash, manager_id, email, company, comments)
       SELECT 'many-' || n, '$2b$04$abcdefghijklmnopqrstuuJk9Uo5m6n7Q0R1S2T3U4V5W6X7Y8Z9a', :manager, 'many' || n || '@example.com',
              'Many Co ' || n, repeat('a long comment, ', 80)
       FROM generate_series(1, :rows) AS n`,
      { replacements: { manager: t.ids.manager1, rows: MANY } },
    )
    server = t.app.listen(0)
    await new Promise<void>((resolve) => server.once('listening', () => resolve()))
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  after(() => new Promise<void>((resolve) => server.close(() => resolve())))

  const cookieOf = async (email: string) => {
    const response = await fetch(`${origin}/admin/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email, password: PASSWORD }),
    })
    return response.headers.getSetCookie().find((c) => c.startsWith('sms_admin.sid='))!.split(';')[0]
  }

  test('the whole table streams out, every row once', async () => {
    const csv = await exportCsv(admin, { 'filters.login': 'many-' })
    assert.equal(csv.rows.length, MANY)
    assert.equal(new Set(csv.rows.map((row) => row.ID)).size, MANY)
  })

  test('a client that goes away stops the query, frees the connection and is recorded as stopped', async () => {
    const before = Number(((await t.db.sequelize.query(`SELECT max(id) AS id FROM change_history`, { type: QueryTypes.SELECT })) as { id: string }[])[0].id)
    const cookie = await cookieOf('admin@example.com')
    const start = await new Promise<string>((resolve, reject) => {
      const req = http.get(`${origin}${EXPORT}`, { headers: { cookie } }, (res) => {
        let received = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          received += chunk
          if (received.length < 1000) return
          res.socket.destroy() // the browser's download is cancelled
          resolve(received)
        })
      })
      req.on('error', (error) => (error.message === 'socket hang up' ? undefined : reject(error)))
    })
    assert.ok(start.startsWith('\uFEFFLogin,Manager,'), JSON.stringify(start.slice(0, 50)))

    type Entry = { changes: { rows: number; aborted?: boolean }[] }
    const entry = await eventually(async () => {
      const [found] = (await t.db.sequelize.query(`SELECT changes FROM change_history WHERE action = 'export' AND id > :before`, {
        replacements: { before },
        type: QueryTypes.SELECT,
      })) as unknown as (Entry | undefined)[]
      return found
    }, 60_000)
    assert.ok(entry, 'the stopped export is in the history')
    assert.equal(entry.changes[0].aborted, true)
    assert.ok(entry.changes[0].rows < MANY, `stopped early: ${entry.changes[0].rows} of ${MANY} rows`)

    if (!t.db.embedded) {
      const running = (await t.db.sequelize.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%FROM "clients" AS "Client"%' AND state <> 'idle'`,
        { type: QueryTypes.SELECT },
      )) as { n: number }[]
      assert.equal(running[0].n, 0, 'no export query left running')
    }
    // The pool is whole: the list and another export still answer.
    assert.equal((await admin.get(api.list('Client'))).status, 200)
    assert.equal((await exportCsv(admin, { 'filters.login': 'bulk-01' })).rows.length, 1)
  })
})
