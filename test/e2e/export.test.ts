/**
 * The Export CSV button in a real browser (issue #15): Debian's Chromium driven by playwright-core
 * against the app started in this process. The list is filtered and sorted, Export CSV downloads
 * a file with exactly the list's rows (all pages, in its order); a selection exports only itself.
 * Fails on a browser console error, an uncaught page error or a 5xx answer.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { after, before, test } from 'node:test'
import { parse } from 'csv-parse/sync'
import type { Download, Page } from 'playwright-core'
import { SCREENSHOTS, browserSuite, eventually } from '../helpers/browser.js'
import type { TestApp } from '../helpers/harness.js'

const e2e = browserSuite({ watch: { failedRequests: false, foreignRequests: false } })
const { problems } = e2e
let t: TestApp
let base: string
let page: Page

before(async () => {
  ;({ t, base, page } = await e2e.start())
  // 14 expired clients (two pages of 10) among others; company "=cmd|…" looks like a formula.
  for (let i = 0; i < 20; i += 1) {
    await t.models.Client.create({
      login: `export-${String(i).padStart(2, '0')}`,
      password: 'secret-password-1',
      passwordConfirmation: 'secret-password-1',
      managerId: i % 2 ? t.ids.manager1 : t.ids.manager2,
      email: `export-${i}@example.com`,
      company: i === 3 ? '=cmd|calc' : `Export Co ${i}`,
      deliveryStatus: i < 14 ? 'expired' : 'active',
    })
  }
  await e2e.logInDirectly(page, 'admin@example.com')
})

after(() => e2e.close())

const rowsOf = async (download: Download) => {
  const [header, ...rows] = parse(await readFile((await download.path())!, 'utf8'), { bom: true }) as string[][]
  return rows.map((row) => Object.fromEntries(header.map((label, i) => [label, row[i]])))
}
const listLogins = () => page.locator('[data-css=Client-table-body] [data-testid=property-list-login]').allTextContents()

async function downloadFromDrawer(): Promise<Download> {
  const link = page.getByTestId('export-csv-download')
  await link.waitFor()
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()])
  return download
}

test('Export CSV downloads exactly the filtered, sorted list (all pages); a selection exports itself', { timeout: 420_000 }, async () => {
  // The list filtered on Delivery Status = expired, sorted by login (descending) by clicking its header twice.
  // The first page load bundles the panel's components: slow on a busy machine.
  await page.goto(`${base}/resources/Client?filters.deliveryStatus=expired`, { waitUntil: 'domcontentloaded', timeout: 240_000 })
  await page.locator('[data-css=Client-table-body] tr').first().waitFor()
  const header = page.locator('[data-css=Client-table-head] a', { hasText: 'Login' })
  await header.click()
  await page.waitForURL(/sortBy=login/)
  await page.locator('[data-css=Client-table-head] a', { hasText: 'Login' }).click()
  await page.waitForURL(/direction=desc/)
  await page.waitForFunction(() => document.querySelector('[data-css=Client-table-body] [data-testid=property-list-login]')?.textContent === 'export-13')
  const shown = await listLogins()
  const { body } = await (async () => {
    const response = await page.request.get(`${base}/api/resources/Client/actions/list?filters.deliveryStatus=expired&sortBy=login&direction=desc`)
    return { body: await response.json() }
  })()
  assert.equal(body.meta.total, 14)

  await page.getByRole('link', { name: 'Export CSV' }).or(page.getByRole('button', { name: 'Export CSV' })).first().click()
  await page.getByTestId('export-csv-filters').waitFor()
  await page.screenshot({ path: path.join(SCREENSHOTS, 'export-csv-drawer.png') })
  const rows = await rowsOf(await downloadFromDrawer())
  assert.equal(rows.length, body.meta.total, "the file has the list's count of rows (both pages)")
  assert.deepEqual(rows.slice(0, shown.length).map((row) => row.Login), shown, "the list's first page, in its order")
  assert.deepEqual(rows.map((row) => row.Login), Array.from({ length: 14 }, (_, i) => `export-${String(13 - i).padStart(2, '0')}`))
  assert.ok(rows.every((row) => row['Delivery Status'] === 'expired'))
  assert.equal(rows.find((row) => row.Login === 'export-03')!.Company, "'=cmd|calc", 'the formula-looking company is neutralized')

  // A selection of two rows: the selection bar's Export CSV.
  await page.goto(`${base}/resources/Client?filters.deliveryStatus=expired&sortBy=login&direction=desc`, { waitUntil: 'domcontentloaded' })
  await page.locator('[data-css=Client-table-body] tr').first().waitFor()
  for (const login of ['export-12', 'export-10']) {
    const row = page.locator('[data-css=Client-table-body] tr', { has: page.locator('[data-testid=property-list-login]', { hasText: login }) })
    await row.locator('td').first().locator('span').first().click()
    assert.equal(await eventually(() => row.locator('input[type=checkbox]').isChecked()), true)
  }
  await page.locator('[data-css=Client-table-caption]').getByText('Export CSV').click()
  const selected = await rowsOf(await downloadFromDrawer())
  assert.deepEqual(selected.map((row) => row.Login), ['export-12', 'export-10'])

  assert.deepEqual(problems, [], 'no console errors, page errors or server errors')
})
