/**
 * Bulk edit in a real browser (issue #17): select two clients in the list, "Edit selected", tick
 * Delivery Status, preview, apply, and the list shows the change; "Edit all matching" from a
 * filtered list previews the matching clients. Debian's Chromium driven by playwright-core, as in
 * panel.test.ts; fails on any console error, page error, failed or 5xx request.
 */
import assert from 'node:assert/strict'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, test } from 'node:test'
import { chromium, type Browser, type Page } from 'playwright-core'
import { PASSWORD, startTestApp, type TestApp } from '../helpers/harness.js'

const SCREENSHOTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/screenshots')
const WAIT = 30_000 // the first page load bundles the custom components
const JOURNEY = { timeout: 180_000 }

let t: TestApp
let server: Server
let base: string
let browser: Browser
let page: Page
const problems: string[] = []
const ids: Record<string, number> = {}

async function seedClient(login: string, extra: Record<string, unknown> = {}) {
  const row = await t.models.Client.create({
    login,
    password: 'secret-password-1',
    passwordConfirmation: 'secret-password-1',
    managerId: t.ids.manager1,
    email: `${login}@example.com`,
    deliveryStatus: 'active',
    ...extra,
  })
  ids[login] = Number(row.get('id'))
}

before(async () => {
  t = await startTestApp()
  server = t.app.listen(0)
  await new Promise<void>((resolve) => server.once('listening', () => resolve()))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/admin`
  await seedClient('bulk-alpha', { company: 'Routeless Ltd' })
  await seedClient('bulk-bravo', { company: 'Routeless Ltd' })
  await seedClient('bulk-charlie', { company: 'Elsewhere GmbH' })
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] })
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } })
  page = await context.newPage()
  page.setDefaultTimeout(WAIT)
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`)
  })
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.method()} ${request.url()} (${request.failure()?.errorText})`))
  page.on('response', (response) => {
    if (response.status() >= 500) problems.push(`server error: ${response.status()} ${response.url()}`)
  })
  const response = await page.request.post(`${base}/login`, { form: { email: 'admin@example.com', password: PASSWORD }, maxRedirects: 0 })
  assert.equal(response.status(), 302)
})

after(async () => {
  await browser?.close()
  await new Promise((resolve) => server?.close(resolve))
  await t?.close()
})

const row = (login: string) =>
  page.locator('[data-css=Client-table-body] tr', { has: page.locator('[data-testid=property-list-login]', { hasText: new RegExp(`^${login}$`) }) })

async function journey(name: string, body: () => Promise<void>) {
  return test(name, JOURNEY, async () => {
    problems.length = 0
    try {
      await body()
    } catch (error) {
      const file = path.join(tmpdir(), `e2e-bulk-edit-failed.png`)
      await page.screenshot({ path: file }).catch(() => undefined)
      if (error instanceof Error) error.message += `\n  at ${page.url()}\n  screenshot: ${file}\n  browser problems: ${JSON.stringify(problems)}`
      throw error
    }
    await page.waitForTimeout(300)
    assert.deepEqual(problems, [], 'no console errors, page errors, failed or 5xx requests')
  })
}

/** Ticks "Change <label>" and picks `option` in its select. */
async function change(label: string, name: string, option: string) {
  await page.getByText(`Change ${label}`, { exact: true }).click()
  const input = page.locator(`#bulk-${name}`)
  await input.click()
  await input.fill(option)
  await page.getByRole('option', { name: option, exact: true }).first().click()
}

describe('bulk edit in the panel', () => {
  journey('select two rows, Edit selected, set Delivery Status, preview, apply: the list shows the change', async () => {
    await page.goto(`${base}/resources/Client`, { waitUntil: 'domcontentloaded' })
    await row('bulk-alpha').waitFor()
    for (const login of ['bulk-alpha', 'bulk-bravo']) await row(login).locator('td').first().locator('label, input, a, span').first().click()
    await page.getByRole('link', { name: 'Edit selected' }).or(page.getByRole('button', { name: 'Edit selected' })).first().click()
    await page.getByTestId('bulk-edit').waitFor()
    await page.getByText('2 selected clients').waitFor()

    await change('Delivery Status', 'deliveryStatus', 'Expired')
    await page.getByTestId('bulk-edit-preview-button').click()
    await page.getByTestId('bulk-edit-preview').getByText('2 clients: 2 will change, 0 unchanged, 0 with errors.').waitFor()
    await page.screenshot({ path: path.join(SCREENSHOTS, '08-bulk-edit-preview.png') })
    assert.equal((await t.models.Client.findByPk(ids['bulk-alpha']))?.get('deliveryStatus'), 'active', 'the preview saved nothing')

    await page.getByTestId('bulk-edit-apply').click()
    await page.getByTestId('bulk-edit-result').getByText('Changed 2 of 2 clients').waitFor()
    await page.getByTestId('bulk-edit-back').click()
    await row('bulk-alpha').waitFor()
    const status = async (login: string) => ((await row(login).getByTestId('property-list-deliveryStatus').textContent()) ?? '').trim()
    for (const login of ['bulk-alpha', 'bulk-bravo']) assert.match(await status(login), /^expired$/i, `${login} is shown expired`)
    assert.match(await status('bulk-charlie'), /^active$/i, 'the unselected client is unchanged')
  })

  journey('Edit all matching a filter: the drawer counts the matches and the preview lists them', async () => {
    await page.goto(`${base}/resources/Client?filters.company=routeless`, { waitUntil: 'domcontentloaded' })
    await row('bulk-alpha').waitFor()
    await page.getByRole('link', { name: 'Edit all matching' }).or(page.getByRole('button', { name: 'Edit all matching' })).first().click()
    await page.getByText('all 2 clients matching this filter').waitFor()
    await change('Can Send via SMPP', 'canSendSmpp', 'Yes')
    await page.getByTestId('bulk-edit-preview-button').click()
    await page.getByTestId('bulk-edit-preview').getByText(/^2 clients:/).waitFor()
    await page.screenshot({ path: path.join(SCREENSHOTS, '09-bulk-edit-all-matching.png') })
    await page.getByTestId('bulk-edit-apply').click()
    await page.getByTestId('bulk-edit-result').waitFor()
    const rows = await t.models.Client.findAll({ where: { company: 'Routeless Ltd' } })
    assert.deepEqual(rows.map((client) => client.get('canSendSmpp')), [true, true])
    assert.equal((await t.models.Client.findByPk(ids['bulk-charlie']))?.get('canSendSmpp'), false)
  })
})
