import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import ExcelJS from 'exceljs'
import express from 'express'
import { QueryTypes } from 'sequelize'
import request from 'supertest'
import { toSessionAdmin } from '../src/auth/authenticate.js'
import { CrlfRecords } from '../src/exports/crlf-records.js'
import { csvColumns } from '../src/exports/csv-columns.js'
import { csvExportRoute, xlsxExportRoute } from '../src/exports/export-route.js'
import type { AppResource } from '../src/panel/adapter/app-resource.js'
import { clientDefinition } from '../src/resources/client/client.fields.js'
import { createClient, startTestApp, type TestApp } from './helpers/harness.js'

// The CSV export's two ways to the same file (issue #30): PostgreSQL's COPY with every cell
// computed in SQL, and the row-by-row writer in Node. Both are mounted side by side on the same
// database and must answer the same bytes for every query and role, on data chosen to break a
// CSV writer: quotes, commas, line breaks of every kind, formula starts, unicode, empty vs NULL.

const NASTY = [
  '',
  'plain',
  'comma, inside',
  'a "quoted" word',
  '"',
  '""',
  "'",
  "'already quoted",
  '=1+1',
  '+49 151',
  '-2',
  '@SUM(A1)',
  '\tstarts with a tab',
  '\rstarts with CR',
  'ends with CR\r',
  'line\nbreak',
  'windows\r\nbreak',
  'lone\rCR',
  '\n',
  '  padded  ',
  'tab\tinside',
  'back\\slash \\N \\.',
  '\\.',
  'NULL',
  'Ünïcödé — ≠ ∞',
  'emoji 👩‍💻 and 🇩🇪',
  'مرحبا بالعالم',
  'e\u0301 combining',
  '\u00a0nbsp start',
  '\ufeffbom inside',
  'zero\u200bwidth',
  '=HYPERLINK("http://x","y"),\n"z"',
  ',',
  ', ,',
  // XML's own characters, and C0 controls XML 1.0 cannot hold (the workbook drops them; the CSV keeps them).
  '<b>bold</b> & &amp; "x" \'y\' ]]>',
  'bell\u0007 and \u0001\u0002\u001f\u000b\u000c\u007f',
  '\ufffe\uffffnon-characters',
]

const TEXT_COLUMNS = ['contact_name', 'contract_number', 'company', 'company_credentials', 'skype', 'comments', 'timezone']

let t: TestApp
let copyAgent: express.Express
const ROWS = 120

before(async () => {
  t = await startTestApp()
  const q = (sql: string, replacements: Record<string, unknown> = {}) => t.db.sequelize.query(sql, { replacements })
  // A manager and a product whose natural keys need the formula guard (the manager's quoting too).
  const [[oddManager]] = (await q(
    `INSERT INTO admin_users (email, name, role, password_hash) VALUES ('-odd,"manager"@example.com', 'Odd', 'manager', 'x') RETURNING id`,
  )) as [{ id: number }[], unknown]
  const [[oddProduct]] = (await q(`INSERT INTO products (code, name) VALUES ('-odd.product', 'Odd product') RETURNING id`)) as [{ id: number }[], unknown]
  await createClient(t, 'made-by-the-model', { invoiceDates: '15, 1', dispatchFrom: '22:00', dispatchTo: '06:00', productId: t.ids.productActive })

  const managers = [t.ids.manager1, t.ids.manager2, oddManager.id]
  const products = [null, t.ids.productActive, oddProduct.id]
  const times = [null, ['22:00:30', '06:00:00'], ['00:00:00', '24:00:00'], ['09:30:15.123456', '17:45:00']]
  const dayLists = [null, '{}', '{1,15}', '{31}', '{1,NULL,15}']
  const decimals = ['0.00', '1234.5', '999999999999.99', '0.01']
  const stamps = ['2024-02-29 23:59:59.999999+00', '2024-01-01 00:00:00+00', '0999-12-31 12:00:00.0005+00', '2030-06-15 10:20:30.123+02', null]
  for (let i = 0; i < ROWS; i += 1) {
    const texts: Record<string, string | null> = Object.fromEntries(TEXT_COLUMNS.map((column, j) => [column, NASTY[(i + j * 7) % NASTY.length]]))
    // Empty vs NULL: every few rows, the text columns that may be NULL are NULL instead.
    if (i % 9 === 4) for (const column of TEXT_COLUMNS.slice(0, -1)) texts[column] = null
    const time = times[i % times.length]
    const login = i % 11 === 3 ? `-lead-${i}` : `row-${String(i).padStart(3, '0')}`
    await q(
      `INSERT INTO clients (login, password_hash, manager_id, email, price_update_email, billing_email, notification_limit, timezone,
         dispatch_from, dispatch_to, currency, allow_credit, allow_overdraw, sms_priority, disable_blacklist, can_send_web,
         contact_name, contract_number, company, company_credentials, phone, country, telegram, skype, dlr_wait_days,
         delivery_status, client_type, invoice_dates, comments, product_id, api_dlr_url, created_at, version)
       VALUES (:login, 'x', :manager, :email, :priceEmail, NULL, :limit, :timezone,
         :from, :to, :currency, :credit, :overdraw, :priority, :flag, :notFlag,
         :contact_name, :contract_number, :company, :company_credentials, :phone, :country, :telegram, :skype, :days,
         :status, :type, CAST(:dayList AS integer[]), :comments, :product, :url, COALESCE(CAST(:stamp AS timestamptz), now()), :version)`,
      {
        login,
        manager: managers[i % managers.length],
        email: i % 17 === 2 ? `+plus${i}@example.com` : `row${i}@example.com`,
        priceEmail: i % 2 ? null : `=price${i}@example.com`,
        limit: i % 3 ? null : i * 1000,
        timezone: texts.timezone ?? 'UTC',
        from: time?.[0] ?? null,
        to: time?.[1] ?? null,
        currency: i % 4 ? 'EUR' : null,
        credit: decimals[i % decimals.length],
        overdraw: decimals[(i + 1) % decimals.length],
        priority: i % 4,
        flag: i % 2 === 0,
        notFlag: i % 2 === 1,
        ...texts,
        phone: i % 5 ? '+4915112345678' : null,
        country: i % 6 ? 'DE' : null,
        telegram: i % 7 ? null : `tg_user_${i}`,
        days: 1 + (i % 30),
        status: i % 3 ? 'active' : 'expired',
        type: i % 2 ? 'company' : 'individual',
        dayList: dayLists[i % dayLists.length],
        product: products[i % products.length],
        url: i % 8 ? null : `https://example.com/hook?a=1,b="2"&i=${i}`,
        stamp: stamps[i % stamps.length],
        // Negative numbers start with a minus: the formula guard applies to them too.
        version: i % 10 === 7 ? -i : i + 1,
      },
    )
  }

  const resource = t.admin.findResource('Client') as AppResource
  const options = { resource, definition: clientDefinition, sequelize: t.db.sequelize, logger: t.logger }
  const users = (await t.db.sequelize.query('SELECT id, email, name, role FROM admin_users', { type: QueryTypes.SELECT })) as Record<string, unknown>[]
  copyAgent = express()
    .use((req, _res, next) => {
      const user = users.find((candidate) => candidate.email === req.query.as)!
      ;(req as unknown as { session: unknown }).session = { adminUser: toSessionAdmin(user as never) }
      delete req.query.as
      next()
    })
    .get('/copy.csv', csvExportRoute({ ...options, copy: true }))
    .get('/rows.csv', csvExportRoute({ ...options, copy: false }))
    .get('/copy.xlsx', xlsxExportRoute({ ...options, copy: true }))
    .get('/rows.xlsx', xlsxExportRoute({ ...options, copy: false }))
})
after(() => t.close())

const fetchBoth = async (query: Record<string, string | number>, extension = 'csv') => {
  const [copy, rows] = await Promise.all(
    [`/copy.${extension}`, `/rows.${extension}`].map((path) =>
      request(copyAgent)
        .get(path)
        .query(query)
        .buffer(true)
        .parse((res, done) => {
          const chunks: Buffer[] = []
          res.on('data', (chunk: Buffer) => chunks.push(chunk))
          res.on('end', () => done(null, Buffer.concat(chunks)))
        }),
    ),
  )
  return { copy, rows }
}

const queries: Record<string, string | number>[] = [
  {},
  { sortBy: 'login', direction: 'asc' },
  { sortBy: 'company', direction: 'desc' },
  { sortBy: 'email', direction: 'asc' },
  { 'filters.company': 'quoted' },
  { 'filters.deliveryStatus': 'expired', 'filters.currency': 'EUR' },
  { 'filters.login': 'no-such-client' },
  { ids: '1,2,3,5,8,13,21,34,55,89' },
]

describe('COPY and the row writer', () => {
  test('every Client column has an SQL form (so the export takes the COPY path)', () => {
    const { columns } = csvColumns(clientDefinition, t.admin.findResource('Client') as AppResource)
    assert.deepEqual(columns.filter((column) => !column.sql).map((column) => column.label), [])
  })

  for (const as of ['admin@example.com', 'manager1@example.com', '-odd,"manager"@example.com']) {
    test(`write the same bytes for every query, as ${as}`, async () => {
      for (const query of queries) {
        const { copy, rows } = await fetchBoth({ ...query, as })
        assert.equal(copy.status, 200, String(copy.body))
        assert.equal(rows.status, 200, String(rows.body))
        const label = `${as} ${JSON.stringify(query)}`
        const a = (copy.body as Buffer).toString('utf8')
        const b = (rows.body as Buffer).toString('utf8')
        if (a !== b) {
          const at = [...a].findIndex((char, i) => char !== b[i])
          assert.fail(`${label}: the files differ at ${at}:\nCOPY: ${JSON.stringify(a.slice(at - 80, at + 80))}\nrows: ${JSON.stringify(b.slice(at - 80, at + 80))}`)
        }
        assert.ok((copy.body as Buffer).equals(rows.body as Buffer), label)
      }
    })
  }

  test('the whole table: byte for byte, and every row on record with its count', async () => {
    const { copy, rows } = await fetchBoth({ as: 'admin@example.com' })
    assert.ok((copy.body as Buffer).equals(rows.body as Buffer))
    assert.match((copy.body as Buffer).toString(), /,'-7,\d+,\d{4}-/, 'a negative number (Version) is guarded too')
    const total = Number(((await t.db.sequelize.query('SELECT count(*) AS n FROM clients', { type: QueryTypes.SELECT })) as { n: string }[])[0].n)
    assert.ok(total > ROWS)
    const entries = (await t.db.sequelize.query(`SELECT changes FROM change_history WHERE action = 'export' ORDER BY id DESC LIMIT 2`, {
      type: QueryTypes.SELECT,
    })) as { changes: { rows: number }[] }[]
    assert.deepEqual(
      entries.map((entry) => entry.changes[0].rows),
      [total, total],
    )
  })

  test('a filter value the column cannot hold is a 400 on both paths, not a broken file', async () => {
    const { copy, rows } = await fetchBoth({ as: 'admin@example.com', 'filters.createdAt~~from': 'not a date' })
    assert.equal(copy.status, rows.status)
    assert.equal(copy.headers['content-type'], rows.headers['content-type'])
  })
})

/** A worksheet as exceljs reads it: every cell's value, type and number format, the widths, the view. */
async function sheetOf(bytes: Buffer) {
  const workbook = new ExcelJS.Workbook()
  await workbook.xlsx.load(bytes as unknown as ExcelJS.Buffer)
  const sheet = workbook.worksheets[0]
  const cells: unknown[] = []
  sheet.eachRow({ includeEmpty: true }, (row, rowNumber) =>
    row.eachCell({ includeEmpty: true }, (cell, column) => cells.push([rowNumber, column, cell.type, cell.value instanceof Date ? cell.value.getTime() : cell.value, cell.numFmt])),
  )
  return { cells, widths: sheet.columns.map((column) => column.width), views: sheet.views, rowCount: sheet.rowCount }
}

describe('XLSX: COPY and the row writer', () => {
  for (const as of ['admin@example.com', 'manager1@example.com']) {
    test(`the same workbook for every query, as ${as}`, async () => {
      for (const query of queries) {
        const { copy, rows } = await fetchBoth({ ...query, as }, 'xlsx')
        assert.equal(copy.status, 200, String(copy.body))
        assert.equal(rows.status, 200, String(rows.body))
        const [a, b] = [await sheetOf(copy.body as Buffer), await sheetOf(rows.body as Buffer)]
        assert.deepEqual(a, b, `${as} ${JSON.stringify(query)}`)
      }
    })
  }

  test('XML characters are escaped, characters XML cannot hold are dropped, line breaks kept', async () => {
    const { copy } = await fetchBoth({ as: 'admin@example.com' }, 'xlsx')
    const { cells } = await sheetOf(copy.body as Buffer)
    const texts = new Set(cells.map((cell) => (cell as unknown[])[3]).filter((value) => typeof value === 'string'))
    for (const expected of ['<b>bold</b> & &amp; "x" \'y\' ]]>', 'bell and \u007f', 'non-characters', 'windows\r\nbreak', 'lone\rCR', 'back\\slash \\N \\.', 'emoji 👩‍💻 and 🇩🇪']) {
      assert.ok(texts.has(expected), JSON.stringify(expected))
    }
    const entries = (await t.db.sequelize.query(`SELECT changes FROM change_history WHERE action = 'export' ORDER BY id DESC LIMIT 2`, { type: QueryTypes.SELECT })) as {
      changes: { rows: number }[]
    }[]
    const total = Number(((await t.db.sequelize.query('SELECT count(*) AS n FROM clients', { type: QueryTypes.SELECT })) as { n: string }[])[0].n)
    assert.deepEqual(entries.map((entry) => entry.changes[0].rows), [total, total])
  })

  test('a filter value the column cannot hold: the same answer on both paths', async () => {
    const { copy, rows } = await fetchBoth({ as: 'admin@example.com', 'filters.createdAt~~from': 'not a date' }, 'xlsx')
    assert.equal(copy.status, rows.status)
    assert.equal(copy.headers['content-type'], rows.headers['content-type'])
  })
})

describe('record ends', () => {
  test('LF between records becomes CRLF, line breaks inside quoted cells stay, wherever the chunks are cut', async () => {
    const copyOutput = 'a,"b\nc",d\n"x ""y""\r\nz",,"\n"\n"",\'q\n'
    const expected = 'a,"b\nc",d\r\n"x ""y""\r\nz",,"\n"\r\n"",\'q\r\n'
    const bytes = Buffer.from(copyOutput)
    for (let cut = 0; cut <= bytes.length; cut += 1) {
      for (let second = cut; second <= bytes.length; second += 3) {
        const records = new CrlfRecords()
        const out: Buffer[] = []
        records.on('data', (chunk: Buffer) => out.push(chunk))
        const finished = new Promise((resolve) => records.on('end', resolve))
        records.write(bytes.subarray(0, cut))
        records.write(bytes.subarray(cut, second))
        records.end(bytes.subarray(second))
        await finished
        assert.equal(Buffer.concat(out).toString(), expected, `cut at ${cut} and ${second}`)
        assert.equal(records.records, 3)
      }
    }
  })
})
