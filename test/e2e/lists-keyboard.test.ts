/**
 * Issue #26's "Done when", end to end in Chromium: an administrator narrows the client list with a
 * search and two filter chips, picks 50 per page and three extra columns, selects all matching and
 * exports them, with the keyboard only and without the filter drawer (1440 px); a manager on a phone
 * (390×844) finds a client by part of its company name, sees its login and status, and opens it.
 * Then the list's tools once more at 390 px, where the other journeys mostly run at 1440 px.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { after, before, describe } from 'node:test'
import type { Page } from 'playwright-core'
import { seriousViolations } from '../helpers/axe.js'
import { SCREENSHOTS, browserSuite, waitForUrl } from '../helpers/browser.js'
import { createClient, type TestApp } from '../helpers/harness.js'
import { eventuallyHolds } from '../helpers/eventually.js'

const e2e = browserSuite({ watch: { foreignRequests: false }, journeyTimeout: 240_000 })
const { journey } = e2e
let t: TestApp
let base: string
let page: Page
const WIDE = { width: 1440, height: 900 }
const PHONE = { width: 390, height: 844 }
const ACME = 90
const OTHERS = 8

// Acme Widgets 01–90 and eight others. 01–08 have a currency, 05–12 are expired: the search "acme"
// with "Currency: not set" and "Delivery Status: Active" leaves 13–90, 78 clients, two pages of 50.
const number = (i: number) => String(i).padStart(2, '0')
const matching = Array.from({ length: ACME }, (_, i) => i + 1).filter((i) => i > 12).map((i) => `kb-${number(i)}`)

before(async () => {
  ;({ t, base, page } = await e2e.start())
  for (let i = 1; i <= OTHERS; i++) await createClient(t, `other-${number(i)}`, { company: `Globex ${number(i)}` })
  for (let i = 1; i <= ACME; i++) {
    await createClient(t, `kb-${number(i)}`, {
      company: `Acme Widgets ${number(i)}`,
      currency: i <= 8 ? 'EUR' : null,
      deliveryStatus: i >= 5 && i <= 12 ? 'expired' : 'active',
      managerId: i % 2 ? t.ids.manager1 : t.ids.manager2,
    })
  }
  await e2e.logInDirectly(page, 'admin@example.com')
})

after(() => e2e.close())

const focused = () => page.evaluate(() => (document.activeElement as HTMLElement | null)?.getAttribute('data-testid') ?? document.activeElement?.tagName ?? '')
const focusRing = () => page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)
const logins = () => page.locator('[data-css=Client-table-body] [data-testid=property-list-login]').allTextContents()
const countLine = () => page.getByTestId('list-count').innerText()
const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)

/** Presses Tab (or Shift+Tab) until the focused element's test id matches, at most `limit` times. */
async function tabTo(testId: string | RegExp, { back = false, limit = 60 } = {}) {
  const matches = (seen: string) => (typeof testId === 'string' ? seen === testId : testId.test(seen))
  for (let i = 0; i < limit && !matches(await focused()); i++) await page.keyboard.press(back ? 'Shift+Tab' : 'Tab')
  const seen = await focused()
  assert.ok(matches(seen), `Tab reaches ${testId} (focus on ${seen})`)
  return seen
}

/** Arrow keys down an open menu until the item with this test id has the focus. */
async function arrowTo(testId: string) {
  for (let i = 0; i < 20 && (await focused()) !== testId; i++) await page.keyboard.press('ArrowDown')
  assert.equal(await focused(), testId, await page.evaluate(() => document.activeElement?.closest('[role=menu]')?.outerHTML ?? ''))
}

async function openList(query = '') {
  await page.goto(`${base}/resources/Client${query}`, { waitUntil: 'domcontentloaded', timeout: 240_000 })
  await page.getByTestId('list-table').or(page.getByTestId('list-empty')).first().waitFor({ timeout: 240_000 })
}

async function assertNoSeriousViolations(where: string) {
  await page.waitForTimeout(300)
  const violations = await seriousViolations(page)
  assert.deepEqual(violations, [], `${where}: serious or critical axe violations`)
}

/** From the focused row: on to its "⋯" menu, open it with Enter, and "Filter by" the column named. */
async function filterByFromRow(rowId: string, column: string, screenshot?: string) {
  await tabTo(`row-actions-${rowId}`, { limit: 4 })
  await page.keyboard.press('Enter')
  await eventuallyHolds(async () => assert.notEqual(await focused(), `row-actions-${rowId}`, 'the menu takes the focus'))
  await arrowTo(`filter-by-${column}`)
  if (screenshot) await page.screenshot({ path: path.join(SCREENSHOTS, screenshot) })
  await page.keyboard.press('Enter')
  // The new chip's remove button has the focus: the keyboard user goes on from there.
  await eventuallyHolds(async () => assert.equal(await page.evaluate(() => document.activeElement?.closest('[data-testid^=chip-]')?.getAttribute('data-testid')), `chip-${column}`))
}

/** Tabs down to the first row whose login is in `wanted`, answering its id. */
async function tabToRowOf(wanted: string[]) {
  for (let i = 0; i < 120; i++) {
    await page.keyboard.press('Tab')
    const seen = await focused()
    if (!/^row-\d+$/.test(seen)) continue
    const login = await page.getByTestId(seen).locator('[data-testid=property-list-login]').innerText()
    if (wanted.includes(login)) return seen.slice('row-'.length)
  }
  assert.fail(`Tab reaches no row of ${wanted.slice(0, 3)}…`)
}

describe('lists without a mouse, and on a phone', () => {
  journey('an administrator, keyboard only at 1440 px: search, two chips, 50 per page, three columns, all matching exported', async () => {
    await page.setViewportSize(WIDE)
    await openList()
    assert.equal(await countLine(), `${ACME + OTHERS} clients`)

    // The search box, from the top of the page, with a visible focus ring.
    await page.locator('body').focus()
    await tabTo('list-search')
    assert.notEqual(await focusRing(), 'none', 'the search box shows a focus ring')
    await page.keyboard.type('acme')
    await page.keyboard.press('Enter')
    await waitForUrl(page, /q=acme/)
    await eventuallyHolds(async () => assert.equal(await countLine(), `${ACME} of ${ACME + OTHERS} clients`))

    // Two chips from rows' menus ("Filter by …"), no drawer: Currency not set, then Delivery Status Active.
    const rowId = await tabToRowOf(matching)
    assert.notEqual(await focusRing(), 'none', 'a row shows a focus ring')
    await filterByFromRow(rowId, 'currency', 'list-row-menu-1440.png')
    await page.getByTestId('chip-currency').getByText('Currency: not set').waitFor()
    await waitForUrl(page, /filters\.currency=__FORM_VALUE_NULL__/)
    await eventuallyHolds(async () => assert.equal(await countLine(), `82 of ${ACME + OTHERS} clients`))
    const secondRow = await tabToRowOf(matching)
    await filterByFromRow(secondRow, 'deliveryStatus')
    await page.getByTestId('chip-deliveryStatus').getByText('Delivery Status: Active').waitFor()
    await eventuallyHolds(async () => assert.equal(await countLine(), `${matching.length} of ${ACME + OTHERS} clients`))
    assert.equal(await page.getByTestId('filter-drawer').count(), 0, 'the drawer never opened')

    // 50 per page: the page-size select, changed with the arrow keys.
    await tabTo('page-size', { back: true })
    await page.keyboard.press('ArrowDown')
    await page.keyboard.press('ArrowDown')
    await waitForUrl(page, /perPage=50/)
    await eventuallyHolds(async () => assert.equal((await logins()).length, 50))

    // Three more columns: the chooser's menu, arrow keys and Space; Esc closes it.
    await tabTo('columns-button', { back: true })
    await page.keyboard.press('Enter')
    for (const column of ['phone', 'country', 'email']) {
      await arrowTo(`column-${column}`)
      await page.keyboard.press('Space')
    }
    await page.keyboard.press('Escape')
    await eventuallyHolds(async () => assert.equal(await page.getByTestId('columns-button').getAttribute('aria-expanded'), 'false'))
    assert.equal(await focused(), 'columns-button', 'Esc gives the focus back to the button')
    const head = page.locator('[data-css=Client-table-head]')
    for (const label of ['Phone', 'Country', 'E-mail']) await head.getByText(label, { exact: true }).waitFor()
    await eventuallyHolds(async () => {
      const stored = await (await page.request.get(`${base}/api/list-preferences/Client`)).json()
      assert.deepEqual(stored.columns.slice(-3), ['phone', 'country', 'email'])
      assert.equal(stored.perPage, 50)
    })

    // Select the page, then all matching, and export them.
    await tabTo('select-page')
    await page.keyboard.press('Space')
    await page.getByTestId('selection-bar').getByText('50 selected').waitFor()
    await tabTo('select-all-matching', { back: true })
    await page.keyboard.press('Enter')
    await page.getByTestId('selection-bar').getByText(`All ${matching.length} matching selected`).waitFor()
    await eventuallyHolds(async () => assert.match(await focused(), /^matching-action-/, 'the focus moves on to the actions for all matching'))
    await tabTo('matching-action-exportCsv', { limit: 3 })
    await page.keyboard.press('Enter')
    await page.getByTestId('export-csv-download').waitFor()
    await tabTo('export-csv-download')
    const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')])
    const csv = await readFile((await download.path())!, 'utf8')
    const [header, ...lines] = csv.replace(/^\uFEFF/, '').trim().split(/\r\n/)
    const loginAt = header.split(',').findIndex((name) => /^"?login"?$/i.test(name) || /^"?Login"?$/.test(name))
    assert.ok(loginAt >= 0, `a login column in ${header}`)
    assert.deepEqual(lines.map((line) => line.split(',')[loginAt].replace(/"/g, '')).sort(), matching, 'exactly the matching clients')

    // Esc closes the export drawer, back on the list; Enter opens a row.
    await page.keyboard.press('Escape')
    await eventuallyHolds(async () => assert.equal(await page.getByTestId('export-csv-download').count(), 0))
    await page.getByTestId('list-table').waitFor()
    await page.locator('body').focus()
    const opened = await tabToRowOf(matching)
    await page.keyboard.press('Enter')
    await waitForUrl(page, new RegExp(`/resources/Client/records/${opened}/show`))
    // Back to the defaults for the next journeys.
    await page.request.post(`${base}/api/list-preferences/Client`, { form: { perPage: '10', columns: '' } })
  })

  journey('a manager on a phone (390×844) finds a client by part of its company name, sees its login and status, opens it', async () => {
    await e2e.logInDirectly(page, 'manager1@example.com')
    await page.setViewportSize(PHONE)
    await openList()
    assert.ok((await overflow()) <= 0, `the list does not overflow (${await overflow()} px)`)
    await assertNoSeriousViolations('the list at 390 px')
    await page.getByTestId('list-search').fill('widgets 13')
    await page.getByTestId('list-search').press('Enter')
    await eventuallyHolds(async () => assert.deepEqual(await logins(), ['kb-13']))
    const card = page.locator('[data-css=Client-table-body] tr').first()
    assert.ok(await card.locator('[data-property-name=login]').getByText('kb-13').isVisible())
    assert.ok(await card.locator('[data-property-name=login]').getByText('Login', { exact: true }).isVisible())
    const status = card.locator('[data-property-name=deliveryStatus]')
    assert.ok(await status.getByText('Delivery Status', { exact: true }).isVisible())
    assert.ok(await status.getByText('Active', { exact: true }).isVisible())
    assert.ok((await overflow()) <= 0, `the found client does not overflow (${await overflow()} px)`)
    await assertNoSeriousViolations('the search result at 390 px')
    await card.locator('[data-property-name=company]').tap().catch(() => card.locator('[data-property-name=company]').click())
    await waitForUrl(page, /\/resources\/Client\/records\/\d+\/show/)
    await page.locator('[data-testid=property-show-login]').getByText('kb-13').waitFor()
    assert.ok((await overflow()) <= 0, `the client's page does not overflow (${await overflow()} px)`)
    await assertNoSeriousViolations("the client's page at 390 px")
    await page.setViewportSize(WIDE)
    await e2e.logInDirectly(page, 'admin@example.com')
  })

  journey('the list tools at 390 px: chips from a row, page size, columns, select all matching, export and bulk edit, actions on the list only', async () => {
    await page.setViewportSize(PHONE)
    await openList('?q=acme')
    const noOverflow = async (where: string) => assert.ok((await overflow()) <= 0, `${where}: no horizontal overflow (${await overflow()} px)`)
    await noOverflow('searched')
    // The first journey's selection is kept in this tab: start afresh.
    if (await page.getByTestId('selection-bar').count()) await page.getByTestId('selection-bar').getByText('Clear selection').click()
    // A chip from a card's menu, shown above the list, removable, and "Clear all".
    const card = page.locator('[data-css=Client-table-body] tr').first()
    const id = (await card.getAttribute('data-testid'))!.slice('row-'.length)
    await page.getByTestId(`row-actions-${id}`).click()
    await noOverflow('a card menu open')
    await page.screenshot({ path: path.join(SCREENSHOTS, 'list-row-menu-390.png') })
    await page.getByTestId(`row-${id}`).getByTestId('filter-by-deliveryStatus').click()
    await page.getByTestId('chip-deliveryStatus').waitFor()
    await eventuallyHolds(async () => assert.match(await countLine(), /^\d+ of \d+ clients$/))
    await noOverflow('with chips')
    await page.getByTestId('clear-all').click()
    await eventuallyHolds(async () => assert.equal(await countLine(), `${ACME + OTHERS} clients`))
    // Nothing matches: the list says so, and Clear brings it back.
    await page.getByTestId('list-search').fill('no-such-client-anywhere')
    await page.getByTestId('list-search').press('Enter')
    await page.getByTestId('list-empty').getByText('No clients match these filters.').waitFor()
    await noOverflow('the empty filtered list')
    await page.getByTestId('empty-clear').click()
    await eventuallyHolds(async () => assert.equal(await countLine(), `${ACME + OTHERS} clients`))
    // The drawer's "Not set" for Currency, the drawer as wide as the phone.
    await page.getByTestId('filter-button').click()
    await page.getByTestId('filter-drawer').waitFor()
    await noOverflow('the filter drawer')
    await page.getByTestId('not-set-currency').check()
    await page.getByTestId('filter-apply').click()
    await page.getByTestId('chip-currency').getByText('Currency: not set').waitFor()
    await eventuallyHolds(async () => assert.equal(await countLine(), `${ACME + OTHERS - 8} of ${ACME + OTHERS} clients`))
    await page.getByTestId('clear-all').click()
    await eventuallyHolds(async () => assert.equal(await countLine(), `${ACME + OTHERS} clients`))
    // Page size and columns.
    await page.getByTestId('page-size').selectOption('25')
    await eventuallyHolds(async () => assert.equal((await logins()).length, 25))
    await page.getByTestId('columns-button').click()
    await page.getByTestId('column-phone').check()
    await noOverflow('the column chooser open')
    await page.keyboard.press('Escape')
    await page.locator('[data-css=Client-table-body] [data-property-name=phone]').first().waitFor()
    await noOverflow('25 cards with a phone column')
    // Select the page, then all matching: both actions fit.
    await page.getByTestId('select-page').check()
    await page.getByTestId('select-all-matching').click()
    await page.getByTestId('selection-bar').getByText(`All ${ACME + OTHERS} matching selected`).waitFor()
    await noOverflow('the selection bar')
    await page.screenshot({ path: path.join(SCREENSHOTS, 'list-selection-390.png'), fullPage: true })
    await page.getByTestId('matching-action-exportCsv').click()
    await page.getByTestId('export-csv-download').waitFor()
    await noOverflow('the export drawer')
    await page.keyboard.press('Escape')
    await page.getByTestId('list-table').waitFor()
    await page.getByTestId('list-table').waitFor()
    await page.getByTestId('selection-bar').getByText('Clear selection').click()
    await page.locator('[data-css=Client-table-body] tr').first().getByRole('checkbox').check()
    await page.getByTestId('bulk-action-bulkEdit').click()
    await page.getByTestId('bulk-edit').waitFor()
    await page.getByText('Change Currency', { exact: true }).click()
    assert.equal(await page.locator('#bulk-currency').inputValue(), '', 'no currency preselected')
    await page.getByTestId('bulk-edit-apply-why').getByText('Choose a Currency first.').waitFor()
    await noOverflow('bulk edit')
    // Export, Import and Edit all matching belong to the list, not to a client's page.
    await page.goto(`${base}/resources/Client/records/${id}/show`, { waitUntil: 'domcontentloaded' })
    await page.locator('[data-testid=property-show-login]').waitFor()
    for (const name of ['Export CSV', 'Import CSV', 'Edit all matching']) {
      assert.equal(await page.getByRole('button', { name }).or(page.getByRole('link', { name })).count(), 0, `no ${name} on a record's page`)
    }
    await noOverflow("a client's page")
    await page.request.post(`${base}/api/list-preferences/Client`, { form: { perPage: '10', columns: '' } })
    await page.setViewportSize(WIDE)
  })
})
