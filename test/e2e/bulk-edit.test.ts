/**
 * Bulk edit in a real browser (issue #17): select two clients in the list, "Edit selected", tick
 * Delivery Status, preview, apply, and the list shows the change; "Edit all matching" from a
 * filtered list previews the matching clients. Debian's Chromium driven by playwright-core, as in
 * panel.test.ts; fails on any console error, page error, failed or 5xx request.
 */
import assert from 'node:assert/strict'
import path from 'node:path'
import { after, before, describe } from 'node:test'
import type { Page } from 'playwright-core'
import { SCREENSHOTS, browserSuite } from '../helpers/browser.js'
import { createClient, type TestApp } from '../helpers/harness.js'

const e2e = browserSuite({ watch: { foreignRequests: false }, journeyTimeout: 180_000 })
const { journey } = e2e
let t: TestApp
let base: string
let page: Page
const ids: Record<string, number> = {}

async function seedClient(login: string, extra: Record<string, unknown> = {}) {
  ids[login] = await createClient(t, login, { deliveryStatus: 'active', ...extra })
}

before(async () => {
  ;({ t, base, page } = await e2e.start())
  await seedClient('bulk-alpha', { company: 'Routeless Ltd' })
  await seedClient('bulk-bravo', { company: 'Routeless Ltd' })
  await seedClient('bulk-charlie', { company: 'Elsewhere GmbH' })
  await e2e.logInDirectly(page, 'admin@example.com')
})

after(() => e2e.close())

const row = (login: string) =>
  page.locator('[data-css=Client-table-body] tr', { has: page.locator('[data-testid=property-list-login]', { hasText: new RegExp(`^${login}$`) }) })

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
