/**
 * Lists people can work in all day (issue #26), in Chromium at 1440×900 and 390×844: the search
 * box, filter chips and "Not set", the count line and the empty filtered list, page size and
 * column chooser remembered on the server, selection across pages and "Select all N matching",
 * phone cards without horizontal overflow, keyboard only, and resource actions on the list only.
 */
import assert from 'node:assert/strict'
import path from 'node:path'
import { after, before, describe } from 'node:test'
import type { Page } from 'playwright-core'
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

before(async () => {
  ;({ t, base, page } = await e2e.start())
  for (let i = 1; i <= 24; i++) {
    const n = String(i).padStart(2, '0')
    await createClient(t, `list-${n}`, {
      company: i <= 3 ? `Northwind Traders ${n}` : `Company ${n}`,
      currency: i % 3 === 0 ? 'EUR' : null,
      phone: `+49151123456${n}`,
      managerId: i % 2 ? t.ids.manager1 : t.ids.manager2,
    })
  }
  await e2e.logInDirectly(page, 'admin@example.com')
})

after(() => e2e.close())

const logins = () => page.locator('[data-css=Client-table-body] [data-testid=property-list-login]').allTextContents()
const countLine = () => page.getByTestId('list-count').innerText()

async function openList(query = '') {
  await page.goto(`${base}/resources/Client${query}`, { waitUntil: 'domcontentloaded', timeout: 240_000 })
  await page.getByTestId('list-table').or(page.getByTestId('list-empty')).first().waitFor({ timeout: 240_000 })
}

/** No page content wider than the window. */
const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)

describe('the client list', () => {
  journey('search box, chips, count line, "Not set" filter and the empty filtered list (1440 px)', async () => {
    await page.setViewportSize(WIDE)
    await openList()
    assert.match(await countLine(), /^24 clients$/)
    await page.getByTestId('list-search').fill('NORTHWIND')
    await page.getByTestId('list-search').press('Enter')
    await waitForUrl(page, /q=NORTHWIND/)
    await eventuallyHolds(async () => assert.deepEqual((await logins()).sort(), ['list-01', 'list-02', 'list-03']))
    assert.equal(await countLine(), '3 of 24 clients')
    await page.getByTestId('filter-chips').getByText('Search: “NORTHWIND”').waitFor()

    // The drawer: "Not set" for Currency, applied as a chip next to the search.
    await page.getByTestId('filter-button').click()
    await page.getByTestId('filter-drawer').waitFor()
    await page.getByTestId('not-set-currency').check()
    await page.getByTestId('filter-apply').click()
    await waitForUrl(page, /filters\.currency=__FORM_VALUE_NULL__/)
    await page.getByTestId('chip-currency').getByText('Currency: not set').waitFor()
    await eventuallyHolds(async () => assert.deepEqual((await logins()).sort(), ['list-01', 'list-02']))
    assert.equal(await countLine(), '2 of 24 clients')
    await page.getByTestId('filter-button').getByText('Filter (1)').waitFor()
    await page.screenshot({ path: path.join(SCREENSHOTS, 'list-1440.png') })

    // Removing the search chip keeps the filter.
    await page.getByRole('button', { name: 'Remove the search NORTHWIND' }).click()
    await eventuallyHolds(async () => assert.equal((await logins()).length, 10))
    assert.match(await countLine(), /^16 of 24 clients$/)

    // A search that matches nothing: says so, and Clear brings the whole list back.
    await page.getByTestId('list-search').fill('no-such-client-anywhere')
    await page.getByTestId('list-search').press('Enter')
    await page.getByTestId('list-empty').getByText('No clients match these filters.').waitFor()
    await page.getByTestId('empty-clear').click()
    await eventuallyHolds(async () => assert.equal(await countLine(), '24 clients'))
    assert.equal(await page.getByTestId('filter-chips').count(), 0)
  })

  journey('page size and columns are remembered per user on the server', async () => {
    await page.setViewportSize(WIDE)
    await openList()
    await page.getByTestId('page-size').selectOption('25')
    await waitForUrl(page, /perPage=25/)
    await eventuallyHolds(async () => assert.equal((await logins()).length, 24))
    await page.getByTestId('columns-button').click()
    await page.getByTestId('column-phone').check()
    await page.getByTestId('column-country').check()
    await page.keyboard.press('Escape')
    await page.locator('[data-css=Client-table-head]').getByText('Phone').waitFor()
    await eventuallyHolds(async () => {
      const stored = await page.request.get(`${base}/api/list-preferences/Client`)
      assert.deepEqual(await stored.json(), { perPage: 25, columns: ['login', 'company', 'managerId', 'currency', 'deliveryStatus', 'createdAt', 'phone', 'country'] })
    })
    // A fresh visit without any query: the stored choices hold.
    await openList()
    assert.equal(await page.getByTestId('page-size').inputValue(), '25')
    await page.locator('[data-css=Client-table-head]').getByText('Phone').waitFor()
    assert.equal((await logins()).length, 24)
    // Back to the defaults for the next journeys.
    await page.request.post(`${base}/api/list-preferences/Client`, { form: { perPage: '10', columns: '' } })
  })

  journey('selection: indeterminate header, kept across pages, "Select all N matching" feeds Export and Edit all matching', async () => {
    await page.setViewportSize(WIDE)
    await openList('?q=list-&perPage=10')
    const rows = page.locator('[data-css=Client-table-body] tr')
    await rows.first().waitFor()
    for (const i of [0, 1, 2]) await rows.nth(i).getByRole('checkbox').check()
    assert.equal(await page.getByTestId('select-page').evaluate((box: HTMLInputElement) => box.indeterminate), true, 'some of the page: indeterminate')
    await page.getByTestId('selection-bar').getByText('3 selected').waitFor()
    // Page 2 keeps the selection.
    const nextPage = page.locator('[data-css=Client-table-body]').locator('xpath=ancestor::div[1]').getByRole('button', { name: '2', exact: true })
    await (await nextPage.count() ? nextPage : page.getByRole('button', { name: '2', exact: true })).first().click()
    await waitForUrl(page, /page=2/)
    await page.getByTestId('selection-bar').getByText('3 selected').waitFor()
    await page.getByTestId('select-page').check()
    await page.getByTestId('selection-bar').getByText('13 selected').waitFor()
    await page.getByTestId('select-all-matching').click()
    await page.getByTestId('selection-bar').getByText('All 24 matching selected').waitFor()
    await page.getByTestId('matching-action-exportCsv').click()
    await page.getByTestId('export-csv-search').getByText('Search: “list-”').waitFor()
    const href = await page.getByTestId('export-csv-download').getAttribute('href')
    assert.match(href ?? '', /q=list-/)
    const csv = await page.request.get(new URL(href!, base).toString())
    assert.equal((await csv.text()).trim().split(/\r\n/).length, 25, 'header + 24 rows')
    await page.goBack()
    await page.getByTestId('list-table').waitFor()
  })

  journey('keyboard only: Tab reaches the search, filter, rows and row actions; Enter opens a row; Esc closes the drawer', async () => {
    await page.setViewportSize(WIDE)
    await openList()
    await page.getByTestId('list-search').focus()
    await page.keyboard.type('list-07')
    await page.keyboard.press('Enter')
    await eventuallyHolds(async () => assert.deepEqual(await logins(), ['list-07']))
    // Tab on to the Filter button, open it, Esc closes it and gives the focus back.
    const focused = () => page.evaluate(() => (document.activeElement as HTMLElement | null)?.getAttribute('data-testid') ?? document.activeElement?.tagName)
    for (let i = 0; i < 5 && (await focused()) !== 'filter-button'; i++) await page.keyboard.press('Tab')
    assert.equal(await focused(), 'filter-button')
    await page.keyboard.press('Enter')
    await page.getByTestId('filter-drawer').waitFor()
    await page.keyboard.press('Escape')
    await eventuallyHolds(async () => assert.equal(await page.getByTestId('filter-drawer').count(), 0))
    assert.equal(await focused(), 'filter-button')
    // On to the first row (and the visible focus ring), its actions menu, then Enter on the row.
    let seen = ''
    for (let i = 0; i < 30 && !/^row-\d+$/.test(seen); i++) {
      await page.keyboard.press('Tab')
      seen = String(await focused())
    }
    assert.match(seen, /^row-\d+$/)
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)
    assert.notEqual(outline, 'none', 'a visible focus ring')
    await page.screenshot({ path: path.join(SCREENSHOTS, 'list-keyboard.png') })
    const id = seen.slice('row-'.length)
    for (let i = 0; i < 3 && (await focused()) !== `select-${id}`; i++) await page.keyboard.press('Tab')
    for (let i = 0; i < 3 && (await focused()) !== `row-actions-${id}`; i++) await page.keyboard.press('Tab')
    assert.equal(await focused(), `row-actions-${id}`)
    await page.keyboard.press('Enter')
    await page.getByTestId(`row-actions-${id}`).locator('xpath=..').getByRole('menu').getByText('Show').waitFor()
    await page.keyboard.press('Escape')
    await page.getByTestId(`row-${id}`).focus()
    await page.keyboard.press('Enter')
    await waitForUrl(page, new RegExp(`/resources/Client/records/${id}/show`))
    // Resource-level actions belong to the list: not on a record's page.
    await page.locator('[data-testid=property-show-login]').waitFor()
    assert.equal(await page.getByRole('button', { name: 'Export CSV' }).or(page.getByRole('link', { name: 'Export CSV' })).count(), 0)
    assert.equal(await page.getByRole('button', { name: 'Edit all matching' }).or(page.getByRole('link', { name: 'Edit all matching' })).count(), 0)
  })

  journey('phone (390×844): cards with labels, toolbar wraps, nothing overflows; a manager finds a client by company and opens it', async () => {
    await e2e.logInDirectly(page, 'manager1@example.com')
    await page.setViewportSize(PHONE)
    await openList()
    assert.ok((await overflow()) <= 0, `no horizontal overflow (${await overflow()} px)`)
    await page.getByTestId('list-search').fill('northwind')
    await page.getByTestId('list-search').press('Enter')
    await eventuallyHolds(async () => assert.deepEqual((await logins()).sort(), ['list-01', 'list-03']))
    const card = page.locator('[data-css=Client-table-body] tr').first()
    // Each card shows its columns with their labels.
    for (const label of ['Login', 'Company', 'Delivery Status']) assert.ok(await card.getByText(label, { exact: true }).isVisible(), `label ${label}`)
    assert.ok((await overflow()) <= 0, `no horizontal overflow with results (${await overflow()} px)`)
    await page.screenshot({ path: path.join(SCREENSHOTS, 'list-390.png'), fullPage: true })
    await card.locator('[data-property-name=login]').click()
    await waitForUrl(page, /\/records\/\d+\/show/)
    await page.locator('[data-testid=property-show-login]').waitFor()
    assert.ok((await overflow()) <= 0, `the client's page does not overflow either (${await overflow()} px)`)
    await page.setViewportSize(WIDE)
    await e2e.logInDirectly(page, 'admin@example.com')
  })

  journey('bulk edit of Currency: no preselected value, Apply says why it is disabled, clients with one are skipped', async () => {
    await page.setViewportSize(WIDE)
    await openList('?q=northwind')
    const rows = page.locator('[data-css=Client-table-body] tr')
    await eventuallyHolds(async () => assert.equal(await rows.count(), 3))
    // The earlier journey's selection is still kept (across pages and visits in this tab): start afresh.
    if (await page.getByTestId('selection-bar').count()) await page.getByTestId('selection-bar').getByText('Clear selection').click()
    await page.getByTestId('select-page').check()
    await page.getByTestId('bulk-action-bulkEdit').click()
    await page.getByTestId('bulk-edit').waitFor()
    await page.getByText('Change Currency', { exact: true }).click()
    await page.getByTestId('bulk-edit-apply-why').getByText('Choose a Currency first.').waitFor()
    assert.equal(await page.locator('#bulk-currency').inputValue(), '', 'no currency preselected')
    await page.locator('#bulk-currency').fill('USD')
    await page.getByRole('option', { name: /USD/ }).first().click()
    await page.getByTestId('bulk-edit-apply-why').getByText(/Preview first/).waitFor()
    await page.getByTestId('bulk-edit-preview-button').click()
    await page.getByTestId('bulk-edit-preview').getByText(/1 skipped \(already set, left alone\)/).waitFor()
    await page.getByTestId('bulk-edit-preview').getByText('Currency: skipped: already set').waitFor()
    await page.getByTestId('bulk-edit-apply').click()
    await page.getByTestId('bulk-edit-result').waitFor()
    const currencies = await t.models.Client.findAll({ where: { login: ['list-01', 'list-02', 'list-03'] }, order: [['login', 'ASC']] })
    assert.deepEqual(currencies.map((row) => row.get('currency')), ['USD', 'USD', 'EUR'])
  })

  journey('change history: entries named by login and linked, account events behind their own filter, usable at 390 px', async () => {
    await page.setViewportSize(WIDE)
    await page.goto(`${base}/resources/ChangeHistory`, { waitUntil: 'domcontentloaded' })
    await page.getByTestId('list-table').waitFor()
    const actions = () => page.locator('[data-css=ChangeHistory-table-body] [data-testid=property-list-action]').allTextContents()
    assert.ok(!(await actions()).some((action) => /Logged in/.test(action)), 'no logins by default')
    // The Record filter by a part of a login.
    await page.getByTestId('filter-button').click()
    await page.getByTestId('filter-recordId').locator('input').fill('list-07')
    await page.getByTestId('filter-apply').click()
    await waitForUrl(page, /filters\.recordId=list-07/)
    const link = page.locator('[data-css=ChangeHistory-table-body] [data-testid=record-link]').first()
    await eventuallyHolds(async () => assert.equal(await link.innerText(), 'list-07'))
    // Account events: their own filter.
    await page.getByTestId('filter-button').click()
    await page.locator('#filter-extra-entries').selectOption('account')
    await page.getByTestId('filter-recordId').locator('input').fill('')
    await page.getByTestId('filter-apply').click()
    await waitForUrl(page, /filters\.entries=account/)
    await eventuallyHolds(async () => assert.ok((await actions()).some((action) => /Logged in/.test(action)), `logins listed: ${await actions()}`))
    await page.getByTestId('chip-entries').getByText('Entries: Account events (logins, sessions)').waitFor()
    // At 390 px: cards, nothing overflows; the record link opens the client.
    await page.setViewportSize(PHONE)
    await page.goto(`${base}/resources/ChangeHistory?filters.recordId=list-07`, { waitUntil: 'domcontentloaded' })
    await page.getByTestId('list-table').waitFor()
    assert.ok((await overflow()) <= 0, `no horizontal overflow (${await overflow()} px)`)
    await page.screenshot({ path: path.join(SCREENSHOTS, 'history-390.png'), fullPage: true })
    await page.locator('[data-css=ChangeHistory-table-body] [data-testid=record-link]').first().click()
    await waitForUrl(page, /\/resources\/Client\/records\/\d+\/show/)
    await page.setViewportSize(WIDE)
  })
})
