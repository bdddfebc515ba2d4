/**
 * The way in and the way round in a real browser (issue #27): a link opened while logged out comes
 * back to its page after the login (and keeps the e-mail after a wrong password); what a user may
 * not see is "Not found, or not yours" with a way back; pages are named after their record.
 */
import assert from 'node:assert/strict'
import { after, before, describe } from 'node:test'
import type { Page } from 'playwright-core'
import { browserSuite, waitForUrl } from '../helpers/browser.js'
import { createClient, PASSWORD, type TestApp } from '../helpers/harness.js'

const { start, close, logInDirectly, journey, newPage } = browserSuite({
  // The refused record page logs the API's refusal notice as it is shown; nothing else may fail.
  watch: { consoleErrors: { except: /404|403/ } },
})
let t: TestApp
let base: string
let page: Page
let mine: number
let theirs: number

before(async () => {
  ;({ t, base, page } = await start())
  mine = await createClient(t, 'title-01', { company: 'Title Corp' })
  theirs = await createClient(t, 'handed-over-01', { managerId: t.ids.manager2 })
})
after(close)

describe('the way in, refusals and titles', () => {
  journey('a link opened logged out: login page (username/current-password), wrong password keeps the e-mail, then the linked client', async () => {
    await page.context().clearCookies()
    await page.goto(`${base}/resources/Client/records/${mine}/show`, { waitUntil: 'domcontentloaded' })
    await waitForUrl(page, /\/admin\/login\?next=/)
    const email = page.getByLabel('E-mail')
    const password = page.getByLabel('Password')
    assert.equal(await email.getAttribute('autocomplete'), 'username')
    assert.equal(await password.getAttribute('autocomplete'), 'current-password')
    await email.fill('manager1@example.com')
    await password.fill('wrong-password-1')
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.getByText('Wrong e-mail or password.').waitFor()
    assert.equal(await page.getByLabel('E-mail').inputValue(), 'manager1@example.com', 'the e-mail is kept')
    assert.equal(await page.getByLabel('Password').inputValue(), '', 'the password is not')
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Log in' }).click()
    await waitForUrl(page, new RegExp(`/admin/resources/Client/records/${mine}/show$`))
    await page.getByRole('heading', { name: 'Client title-01' }).waitFor()
  })

  journey("a manager opening another manager's client sees 'Not found, or not yours' and a way back, no framework text", async () => {
    await logInDirectly(page, 'manager1@example.com')
    await page.goto(`${base}/resources/Client/records/${theirs}/show`, { waitUntil: 'domcontentloaded' })
    await page.getByText('Not found, or not yours').first().waitFor()
    const body = await page.locator('body').innerText()
    assert.doesNotMatch(body, /Resource of given id|not authorized|does not have an action/)
    await page.getByTestId('not-found-back').getByRole('link', { name: 'Back to the list' }).click()
    await waitForUrl(page, /\/admin\/resources\/Client(\/actions\/list)?(\?.*)?$/)
  })

  journey('an unknown address opened in the browser is a page with a link back, not text or JSON', async () => {
    const response = await page.goto(`${base}/no-such-page`, { waitUntil: 'domcontentloaded' })
    assert.equal(response?.status(), 404)
    await page.getByRole('heading', { name: 'Page not found' }).waitFor()
    await page.getByRole('link', { name: 'Back to the panel' }).waitFor()
  })

  journey('My account: sessions named "Chrome on Linux", this one marked, End all other sessions; the admin setting above the list', async () => {
    const other = await newPage('other session')
    await logInDirectly(other, 'admin@example.com')
    await page.goto('about:blank')
    await logInDirectly(page, 'admin@example.com')
    await page.goto(`${base}/pages/account`, { waitUntil: 'domcontentloaded' })
    const sessions = page.getByTestId('account-sessions')
    await sessions.getByTestId('session-other').first().waitFor()
    assert.match(await sessions.getByTestId('session-current').innerText(), /Chrome( Headless)? on Linux/)
    assert.match(await sessions.getByTestId('session-current').innerText(), /This session/)
    const order = await page.evaluate(() => [...document.querySelectorAll('[data-testid=account-requirement], [data-testid=account-sessions]')].map((element) => element.getAttribute('data-testid')))
    assert.deepEqual(order, ['account-requirement', 'account-sessions'])
    await sessions.getByTestId('end-other-sessions').click()
    await sessions.getByText(/other session was ended|other sessions were ended/).waitFor()
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=session-other]').length === 0)
    await other.context().close()
  })

  journey('the edit page names the client in its heading, tab title and breadcrumb; import is "Import"; delete names the client', async () => {
    await logInDirectly(page, 'admin@example.com')
    await page.goto(`${base}/resources/Client/records/${mine}/edit`, { waitUntil: 'domcontentloaded' })
    await page.getByRole('heading', { name: 'Client title-01 — Edit' }).waitFor()
    assert.equal(await page.title(), 'Client title-01 — Edit · SMS Client Admin')
    const crumbs = page.getByRole('navigation', { name: 'Breadcrumb' })
    assert.deepEqual((await crumbs.locator('li').allInnerTexts()).map((text) => text.replace(/\s*\/\s*$/, '').trim()), ['Home', 'Clients', 'Client title-01', 'Edit'])
    await crumbs.getByRole('link', { name: 'Client title-01' }).click()
    await waitForUrl(page, new RegExp(`/records/${mine}/show$`))
    await page.getByRole('heading', { name: 'Client title-01' }).waitFor()

    await page.getByRole('button', { name: 'Delete' }).or(page.getByRole('link', { name: 'Delete' })).first().click()
    await page.getByText('Delete Client title-01? This cannot be undone.').waitFor()
    await page.getByRole('button', { name: 'Cancel' }).click()

    await page.goto(`${base}/resources/Client/actions/importCsv`, { waitUntil: 'domcontentloaded' })
    const importCrumbs = page.getByRole('navigation', { name: 'Breadcrumb' })
    await importCrumbs.getByText('Import', { exact: true }).waitFor()
    assert.doesNotMatch(await importCrumbs.innerText(), /Import Csv/)
  })
})
