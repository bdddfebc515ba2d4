/**
 * The home page in a real browser (issue #14): both roles land on the product's own overview (no
 * trace of AdminJS's welcome page), and a number's link opens the client list filtered the same
 * way, with the same count. Chromium as in panel.test.ts; the screenshot goes to docs/screenshots/.
 */
import assert from 'node:assert/strict'
import path from 'node:path'
import { after, before, describe } from 'node:test'
import type { Page } from 'playwright-core'
import { SCREENSHOTS, VIEWPORT, browserSuite, waitForUrl } from '../helpers/browser.js'
import type { TestApp } from '../helpers/harness.js'

/** What AdminJS's stock dashboard says and links to. */
const STOCK_DASHBOARD = /Welcome on Board|AdminJS|Found a bug|Read more|documentation/i

const e2e = browserSuite()
const { journey } = e2e
let t: TestApp
let base: string
let page: Page

before(async () => {
  ;({ t, base, page } = await e2e.start())
  const clients: [string, number, Record<string, unknown>][] = [
    ['acme-telecom', t.ids.manager1, { currency: 'EUR', company: 'Acme Telecom GmbH' }],
    ['bluth-retail', t.ids.manager1, { deliveryStatus: 'expired' }],
    ['globex-parcel', t.ids.manager1, { currency: 'USD' }],
    ['hooli-media', t.ids.manager2, { currency: 'EUR' }],
    ['nordic-foods', t.ids.manager2, {}],
  ]
  for (const [login, managerId, extra] of clients) {
    await t.models.Client.create({
      login,
      password: 'secret-password-1',
      passwordConfirmation: 'secret-password-1',
      managerId,
      email: `ops@${login}.example.com`,
      ...extra,
    })
  }
  await t.models.Client.update({ allowCredit: '2500.00' }, { where: { login: 'acme-telecom' } })
})

after(() => e2e.close())

/** Through the login form, as a person would: the panel opens on its home page. */
async function logInAndLand(email: string) {
  await e2e.logIn(page, email)
  await waitForUrl(page, /\/admin\/?$/)
  // The stock welcome page is never drawn, not even before the home page has its data.
  assert.doesNotMatch(await page.locator('body').innerText(), STOCK_DASHBOARD)
  await page.locator('[data-testid=dashboard-total-link]').waitFor()
  const text = await page.locator('body').innerText()
  assert.doesNotMatch(text, STOCK_DASHBOARD)
  assert.equal(await page.locator('a[href*="adminjs.co"], a[href*="github.com"], a[href*="slack"]').count(), 0, 'no links to AdminJS')
  return text
}

const number = async (testId: string) => Number((await page.locator(`[data-testid=${testId}-link]`).innerText()).replace(/\D/g, ''))

/** Follows a link of the home page; the list shows as many rows as the number said, and its count line that number. */
async function followTo(link: ReturnType<Page['locator']>, expected: number, filter: RegExp) {
  await link.click()
  await waitForUrl(page, filter)
  const header = page.locator('[data-css=Client-list-action-header] h2')
  await header.waitFor()
  await page.waitForFunction(
    (n) => document.querySelectorAll('[data-css=Client-table-body] tr').length === n,
    Math.min(expected, 10),
  )
  // The count line: "12 of 40 clients" (filtered) or "40 clients".
  await page.waitForFunction(
    (n) => (document.querySelector('[data-testid=list-count]')?.textContent ?? '').replace(/,/g, '').match(/^(\d+)/)?.[1] === String(n),
    expected,
  )
  assert.match((await page.getByTestId('list-count').innerText()).replace(/,/g, '').trim(), new RegExp(`^${expected}( of \\d+)? clients?$`))
  assert.equal((await header.innerText()).trim(), 'Clients')
}

describe('the home page in a real browser', () => {
  journey('an administrator lands on the overview; a currency link opens the same clients', async () => {
    const text = await logInAndLand('admin@example.com')
    assert.match(text, /All clients/)
    assert.equal(await number('dashboard-total'), 5)
    assert.equal(await number('dashboard-status-active'), 4)
    assert.equal(await number('dashboard-status-expired'), 1)
    assert.equal(await number('dashboard-created-7'), 5)
    const managers = page.locator('[data-testid=dashboard-manager]')
    assert.match(await managers.innerText(), /Maria Manager\s+3/)
    assert.match(await managers.innerText(), /Mark Manager\s+2/)
    const changes = page.locator('[data-testid=dashboard-recent-changes]')
    assert.match(await changes.innerText(), /acme-telecom/)
    assert.match(await changes.innerText(), /Allow credit: 0\.00 → 2500\.00/)
    await page.setViewportSize({ width: VIEWPORT.width, height: 1300 })
    await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard.png'), fullPage: true })
    await page.setViewportSize(VIEWPORT)

    const notSet = page.locator('[data-testid=dashboard-currency-none]')
    assert.match(await notSet.innerText(), /Not set yet\s+2/)
    await followTo(notSet.getByRole('link'), 2, /filters\.currency=__FORM_VALUE_NULL__/)
    const logins = await page.locator('[data-css=Client-table-body] [data-testid=property-list-login]').allInnerTexts()
    assert.deepEqual(logins.map((login) => login.trim()).sort(), ['bluth-retail', 'nordic-foods'])

    await page.goto(`${base}`, { waitUntil: 'domcontentloaded' })
    await page.locator('[data-testid=dashboard-manager]').waitFor()
    await followTo(page.locator(`[data-testid=dashboard-manager-${t.ids.manager2}]`).getByRole('link'), 2, /filters\.managerId=\d+/)
  })

  journey('a manager lands on an overview of their own clients; a status link opens them', async () => {
    const text = await logInAndLand('manager1@example.com')
    assert.match(text, /Your clients/)
    assert.equal(await number('dashboard-total'), 3)
    assert.equal(await page.locator('[data-testid=dashboard-manager]').count(), 0, 'no per-manager table')
    assert.doesNotMatch(text, /Mark Manager|hooli-media|nordic-foods|manager2@example\.com/)
    await followTo(page.locator('[data-testid=dashboard-status-expired-link]'), 1, /filters\.deliveryStatus=expired/)
    await page.goto(`${base}`, { waitUntil: 'domcontentloaded' })
    await followTo(page.locator('[data-testid=dashboard-created-30-link]'), 3, /filters\.createdAt~~from=/)
  })
})
