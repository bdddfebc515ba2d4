import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import ExcelJS from 'exceljs'
import { parse } from 'csv-parse/sync'
import { QueryTypes } from 'sequelize'
import request from 'supertest'
import { createClient, startTestApp, type TestApp } from './helpers/harness.js'

// GET /admin/exports/Client.xlsx (issue #28): the CSV export's rows and columns as a typed
// workbook, and the import reading it back.

let t: TestApp
let admin: request.Agent

const binary = (res: request.Response, callback: (error: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = []
  res.on('data', (chunk: Buffer) => chunks.push(chunk))
  res.on('end', () => callback(null, Buffer.concat(chunks)))
}

async function workbookOf(agent: request.Agent, query = '') {
  const response = await agent.get(`/admin/exports/Client.xlsx${query}`).buffer(true).parse(binary)
  assert.equal(response.status, 200, String(response.body))
  assert.equal(response.headers['content-type'], 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
  assert.match(response.headers['content-disposition'], /attachment; filename="clients-\d{8}-\d{4}\.xlsx"/)
  const workbook = new ExcelJS.Workbook()
  await workbook.xlsx.load((response.body as Buffer) as unknown as ExcelJS.Buffer)
  return { workbook, sheet: workbook.worksheets[0], bytes: response.body as Buffer }
}

const headerOf = (sheet: ExcelJS.Worksheet) => (sheet.getRow(1).values as unknown[]).slice(1)
const columnOf = (sheet: ExcelJS.Worksheet, label: string) => headerOf(sheet).indexOf(label) + 1

before(async () => {
  t = await startTestApp({ bcryptRounds: 4 })
  admin = await t.loginAs('admin@example.com')
  await createClient(t, 'xlsx-typed', {
    contractNumber: '007',
    phone: '+49 151 12345678',
    allowCredit: '8750.00',
    allowOverdraw: '0.10',
    dispatchFrom: '22:00',
    dispatchTo: '06:30',
    canSendApi: true,
    skype: '2025-03-14',
    comments: '=SUM(A1) "quoted", \nline',
    company: '-minus',
    invoiceDates: [1, 15],
    smsPriority: 2,
  })
  await createClient(t, 'xlsx-other', { managerId: t.ids.manager2, contractNumber: '1E5', company: 'Other' })
})
after(async () => {
  await t?.close()
})

describe('XLSX export', () => {
  test('same columns as the CSV, typed cells, bold frozen header, fitted widths', async () => {
    const csv = await admin.get('/admin/exports/Client.csv').buffer(true)
    const csvRows = parse(csv.text, { bom: true }) as string[][]
    const { sheet } = await workbookOf(admin)
    assert.deepEqual(headerOf(sheet), csvRows[0])
    assert.equal(sheet.rowCount, csvRows.length)
    assert.deepEqual((sheet.views[0] as { state: string; ySplit: number }).state, 'frozen')
    assert.equal((sheet.views[0] as { ySplit: number }).ySplit, 1)
    assert.equal(sheet.getRow(1).getCell(1).font?.bold, true)

    const row = sheet.getRows(2, sheet.rowCount - 1)!.find((r) => r.getCell(columnOf(sheet, 'Login')).value === 'xlsx-typed')!
    const cell = (label: string) => row.getCell(columnOf(sheet, label))
    // Text: nothing for a spreadsheet to reinterpret, and no formula guard (a text cell never runs).
    for (const [label, value] of [
      ['Number of contract', '007'],
      ['Phone', '+4915112345678'],
      ['Time of dispatch (from)', '22:00'],
      ['Time of dispatch (to)', '06:30'],
      ['Skype', '2025-03-14'],
      ['Comments', '=SUM(A1) "quoted", \nline'],
      ['Company', '-minus'],
      ['Dates for invoices (separated by commas)', '1, 15'],
      ['Manager', 'manager1@example.com'],
      ['Currency', null],
    ] as const) {
      assert.equal(cell(label).value, value, label)
      if (value !== null) assert.equal(cell(label).numFmt, '@', `${label} is formatted as text`)
    }
    assert.equal(cell('Allow credit').value, 8750)
    assert.equal(cell('Allow credit').numFmt, '0.00')
    assert.equal(cell('Allow overdraw (temporary credit)').value, 0.1)
    assert.equal(cell('SMS priority').value, 2)
    assert.equal(cell('Can Send via API').value, true)
    assert.equal(cell('Can Send from Web').value, true)
    assert.equal(cell('Dynamic Sender').value, false)
    assert.ok(cell('Created').value instanceof Date, 'Created is a date')
    assert.equal(typeof cell('ID').value, 'number')
    // Fitted: at least as wide as the header, wider for long values, never huge.
    const width = (label: string) => sheet.getColumn(columnOf(sheet, label)).width!
    assert.ok(width('Login') >= 'xlsx-typed'.length)
    assert.ok(width('Time of dispatch (from)') >= 'Time of dispatch (from)'.length)
    assert.ok(width('Comments') <= 60)
    assert.ok(width('Phone') < width('URL for send SMS State via API'))
  })

  test('the same filters, sort and row scope as the CSV; the history entry names the rows', async () => {
    const query = '?filters.login=xlsx-&sortBy=login&direction=desc'
    const { sheet } = await workbookOf(admin, query)
    const logins = sheet.getRows(2, sheet.rowCount - 1)!.map((r) => r.getCell(columnOf(sheet, 'Login')).value)
    assert.deepEqual(logins, ['xlsx-typed', 'xlsx-other'])
    const [entry] = (await t.db.sequelize.query(`SELECT changes FROM change_history WHERE action = 'export' ORDER BY id DESC LIMIT 1`, { type: QueryTypes.SELECT })) as {
      changes: { rows: number; filter: Record<string, string>; sort: unknown }[]
    }[]
    assert.deepEqual(entry.changes[0].rows, 2)
    assert.deepEqual(entry.changes[0].filter, { login: 'xlsx-' })
    assert.deepEqual(entry.changes[0].sort, { sortBy: 'login', direction: 'desc' })

    const manager = await t.loginAs('manager1@example.com')
    const mine = await workbookOf(manager, '?filters.login=xlsx-')
    assert.deepEqual(mine.sheet.getRows(2, mine.sheet.rowCount - 1)!.map((r) => r.getCell(columnOf(mine.sheet, 'Login')).value), ['xlsx-typed'])
    const refused = await admin.get('/admin/exports/Client.xlsx?filters.passwordHash=x')
    assert.equal(refused.status, 400)
    assert.match(refused.body.error, /passwordHash/)
    assert.equal((await request(t.app).get('/admin/exports/Client.xlsx')).status, 401)
  })

  test('an empty result is a workbook with the header only', async () => {
    const { sheet } = await workbookOf(admin, '?filters.login=nobody-has-this')
    assert.equal(sheet.rowCount, 1)
    assert.equal(headerOf(sheet)[0], 'Login')
  })

  test('the XLSX export imports back with every row unchanged (detected from the content, whatever the name)', async () => {
    const { bytes } = await workbookOf(admin)
    const history = ((await t.db.sequelize.query('SELECT count(*)::int AS n FROM change_history', { type: QueryTypes.SELECT })) as { n: number }[])[0].n
    for (const filename of ['clients.xlsx', 'clients.csv']) {
      const response = await admin.post('/admin/imports/Client').field('dryRun', '0').attach('file', bytes, { filename, contentType: 'application/octet-stream' })
      assert.equal(response.status, 200, JSON.stringify(response.body))
      assert.equal(response.body.unchanged, response.body.total, JSON.stringify(response.body.rows.filter((row: { action: string }) => row.action !== 'unchanged')))
    }
    assert.equal(((await t.db.sequelize.query('SELECT count(*)::int AS n FROM change_history', { type: QueryTypes.SELECT })) as { n: number }[])[0].n, history)
  })

  test('an edited workbook: changed cells show old → new, typed cells read as their fields', async () => {
    const { workbook, sheet } = await workbookOf(admin, '?filters.login=xlsx-typed')
    const row = sheet.getRow(2)
    row.getCell(columnOf(sheet, 'Number of contract')).value = '008'
    row.getCell(columnOf(sheet, 'Allow credit')).value = 100.5
    row.getCell(columnOf(sheet, 'Can Send via API')).value = false
    // A time typed into a spreadsheet becomes a time of day (a fraction of a day, as a date).
    const time = row.getCell(columnOf(sheet, 'Time of dispatch (to)'))
    time.value = new Date(Date.UTC(1899, 11, 30, 7, 15))
    time.numFmt = 'h:mm'
    const edited = Buffer.from(await workbook.xlsx.writeBuffer())
    const response = await admin.post('/admin/imports/Client').field('dryRun', '1').attach('file', edited, { filename: 'edited.xlsx' })
    assert.equal(response.status, 200, JSON.stringify(response.body))
    assert.deepEqual(response.body.rows[0].changes, {
      dispatchTo: { from: '06:30', to: '07:15' },
      allowCredit: { from: '8750.00', to: '100.50' },
      contractNumber: { from: '007', to: '008' },
      canSendApi: { from: 'true', to: 'false' },
    }, JSON.stringify(response.body.rows[0]))
  })

  test('a file that is a ZIP but not a workbook is refused with a message', async () => {
    const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(64)])
    const response = await admin.post('/admin/imports/Client').field('dryRun', '1').attach('file', zip, { filename: 'broken.xlsx' })
    assert.equal(response.status, 400, JSON.stringify(response.body))
    assert.match(response.body.error, /XLSX/)
  })
})
