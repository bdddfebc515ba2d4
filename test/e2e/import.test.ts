/**
 * The Import CSV page in a real browser (issue #16): Debian's Chromium driven by playwright-core
 * against the app started in this process. A file with one bad row: the dry run names the row and
 * its field with the form's message, the failed rows download with an error column; the fixed
 * file's dry run is clean, Apply saves every row. The threshold is set low, so the page goes
 * through the job path (202, progress polled at the Location) as a long file would.
 * Fails on a browser console error, an uncaught page error or a 5xx answer.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { after, before, test } from 'node:test'
import { parse } from 'csv-parse/sync'
import { stringify } from 'csv-stringify/sync'
import type { Page } from 'playwright-core'
import { QueryTypes } from 'sequelize'
import { SCREENSHOTS, browserSuite } from '../helpers/browser.js'
import type { TestApp } from '../helpers/harness.js'

const e2e = browserSuite({
  config: { importInlineMaxRows: 2, importJobPollSeconds: 0.5 },
  watch: { failedRequests: false, foreignRequests: false },
})
const { problems } = e2e
let t: TestApp
let base: string
let page: Page
const jobAnswers: number[] = []

before(async () => {
  ;({ t, base, page } = await e2e.start())
  page.on('response', (response) => {
    if (/\/admin\/imports\/Client(\/jobs\/|$)/.test(response.url())) jobAnswers.push(response.status())
  })
  await e2e.logInDirectly(page, 'admin@example.com')
})

after(() => e2e.close())

const HEADER = ['Login', 'Password', 'Manager', 'E-mail', 'Product']
const file = (email2: string) =>
  Buffer.from(
    stringify(
      [HEADER, ['sales-01', 'secret-password-1', 'manager1@example.com', 'sales-01@example.com', 'BUSINESS'], ['sales-02', 'secret-password-1', 'manager1@example.com', email2, 'BUSINESS'], ['sales-03', 'secret-password-1', 'manager2@example.com', 'sales-03@example.com', '']],
      { record_delimiter: 'windows' },
    ),
  )

async function choose(content: Buffer) {
  await page.getByTestId('import-file').setInputFiles({ name: 'sales.csv', mimeType: 'text/csv', buffer: content })
}

test('Import CSV: a bad row is named on its column, downloads with its error, and the fixed file applies', { timeout: 420_000 }, async () => {
  // The first page load bundles the panel's components: slow on a busy machine.
  await page.goto(`${base}/resources/Client/actions/importCsv`, { waitUntil: 'domcontentloaded', timeout: 240_000 })
  await choose(file('not-an-email'))
  await page.getByTestId('import-dry-run').click()
  const summary = page.getByTestId('import-summary')
  await summary.waitFor()
  assert.match(await summary.innerText(), /Dry run: 3 rows — 2 to create, 0 to update, 0 unchanged, 1 with errors/)
  assert.ok(jobAnswers.includes(202), `the page went through the job path: ${jobAnswers.join(', ')}`)

  // The report: row 2 is an error, its message under the E-mail column — the form's own message.
  const { body: expected } = await (async () => {
    const response = await page.request.post(`${base}/api/resources/Client/actions/new`, {
      form: { login: 'form-check', email: 'not-an-email' },
    })
    return { body: await response.json() }
  })()
  const formMessage: string = expected.record.errors.email.message
  const report = page.getByTestId('import-report')
  const headers = await report.locator('thead td, thead th').allInnerTexts()
  const emailColumn = headers.indexOf('E-mail')
  assert.ok(emailColumn > 0, `an E-mail column: ${headers.join(' | ')}`)
  const row2 = report.locator('tbody tr').nth(1)
  const cells = await row2.locator('td').allInnerTexts()
  assert.deepEqual(cells.slice(0, 3), ['2', 'sales-02', 'Error'])
  // The form's message, and the cell's value beside it.
  assert.equal(cells[emailColumn].split('\n')[0], formMessage)
  assert.match(cells[emailColumn], /“not-an-email”/)
  assert.equal(headers.filter((header) => header === 'Login').length, 1, 'one header per column')
  // Errors only: just that row.
  await page.getByTestId('import-view-errors').click()
  assert.deepEqual(await report.locator('tbody tr td:first-child').allInnerTexts(), ['2'])
  await page.getByTestId('import-view-all').click()
  assert.equal(await page.getByTestId('import-apply').isDisabled(), true, 'no Apply while a row fails')
  await page.screenshot({ path: path.join(SCREENSHOTS, 'import-csv-dry-run.png') })

  // The failed rows as CSV, with an error column, ready to fix and upload again.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('import-download-errors').click()])
  const [header, ...failed] = parse(await readFile((await download.path())!, 'utf8'), { bom: true }) as string[][]
  assert.deepEqual(header, [...HEADER, 'Errors'])
  assert.equal(failed.length, 1)
  assert.deepEqual(failed[0].slice(0, 4), ['sales-02', 'secret-password-1', 'manager1@example.com', 'not-an-email'])
  assert.equal(failed[0][5], `E-mail: ${formMessage}`)

  // Fixed: the dry run is clean, Apply saves all three.
  await choose(file('sales-02@example.com'))
  await page.getByTestId('import-dry-run').click()
  await page.getByTestId('import-summary').filter({ hasText: '0 with errors' }).waitFor()
  await page.getByTestId('import-apply').click()
  await page.getByTestId('import-summary').filter({ hasText: /^Saved/ }).waitFor()
  assert.match(await page.getByTestId('import-summary').innerText(), /Saved: 3 rows — 3 created, 0 updated, 0 unchanged/)
  const saved = (await t.db.sequelize.query(`SELECT c.login, u.email AS manager FROM clients c JOIN admin_users u ON u.id = c.manager_id ORDER BY c.login`, {
    type: QueryTypes.SELECT,
  })) as { login: string; manager: string }[]
  assert.deepEqual(saved, [
    { login: 'sales-01', manager: 'manager1@example.com' },
    { login: 'sales-02', manager: 'manager1@example.com' },
    { login: 'sales-03', manager: 'manager2@example.com' },
  ])
  // The page remembers: the dry runs and the apply are listed, and still are after leaving and coming back.
  await page.getByTestId('recent-imports').filter({ hasText: 'Apply' }).waitFor()
  await page.goto(`${base}/resources/Client`, { waitUntil: 'domcontentloaded' })
  await page.goto(`${base}/resources/Client/actions/importCsv`, { waitUntil: 'domcontentloaded' })
  const recent = page.getByTestId('recent-import')
  await recent.first().waitFor()
  assert.equal(await recent.count(), 3)
  assert.match(await recent.first().innerText(), /sales\.csv[\s\S]*Apply[\s\S]*Done[\s\S]*3 rows: 3 created/)
  await recent.first().getByTestId('recent-import-open').click()
  assert.match(await page.getByTestId('import-summary').innerText(), /Saved: 3 rows — 3 created/)
  await page.screenshot({ path: path.join(SCREENSHOTS, 'import-csv-applied.png') })

  assert.deepEqual(problems, [], 'no console errors, page errors or server errors')
})
