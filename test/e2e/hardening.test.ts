/**
 * Issue #21 in a real browser (Debian's Chromium via playwright-core): a user name written to close
 * AdminJS's inline state script stays text, the panel runs under a CSP without 'unsafe-inline'
 * scripts, and the menu's "Log out" (a POST now) ends the session.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { Page } from 'playwright-core'
import { browserSuite } from '../helpers/browser.js'
import { PASSWORD, type TestApp } from '../helpers/harness.js'

const SCRIPTED_NAME = `</script><script>alert(1)</script><img src=x onerror=alert(2)>`

// Console and page errors only: a CSP violation shows as a console error.
const e2e = browserSuite({ watch: { failedRequests: false, foreignRequests: false, serverErrors: false }, wait: 60_000 })
const { problems } = e2e
let t: TestApp
let base: string
let page: Page
/** Dialogs the page opened: an alert is a script that ran. */
const dialogs: string[] = []

before(async () => {
  ;({ t, base, page } = await e2e.start())
  await t.models.AdminUser.create({ email: 'scripted@example.com', name: SCRIPTED_NAME, role: 'admin', password: PASSWORD })
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message())
    void dialog.dismiss()
  })
})

after(() => e2e.close())

test('a user name that closes the script block is shown as text and runs nowhere; CSP has no unsafe-inline script', { timeout: 180_000 }, async () => {
  try {
    const loginPage = await page.goto(`${base}/login`, { waitUntil: 'domcontentloaded' })
    const csp = String(loginPage!.headers()['content-security-policy'])
    assert.match(csp, /script-src 'self' 'nonce-[^']+'/)
    assert.doesNotMatch(/script-src [^;]*/.exec(csp)![0], /unsafe-inline/)
    await page.locator('input[name=email]').fill('scripted@example.com')
    await page.locator('input[name=password]').fill(PASSWORD)
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.locator('[data-css=logged-in]').getByText('scripted@example.com').waitFor()

    // Admin users list: the name is rendered as text there as well.
    await page.goto(`${base}/resources/AdminUser`, { waitUntil: 'domcontentloaded' })
    await page.getByText(SCRIPTED_NAME).first().waitFor()
    await page.waitForTimeout(500)
    assert.deepEqual(dialogs, [], 'no script of the name ran')
    assert.equal(await page.evaluate(() => (window as unknown as { REDUX_STATE: { session: { name: string } } }).REDUX_STATE.session.name), SCRIPTED_NAME)
    assert.deepEqual(problems, [], 'no CSP violation or other error: the panel runs under the strict policy')

    // Log out from the top bar's menu: a POST, then the login page; the session is gone.
    await page.locator('[data-css=logged-in]').hover()
    await page.getByText('Log out').click()
    await page.waitForURL(/\/admin\/login$/)
    const afterLogout = await page.request.get(`${base}/api/resources/Client/actions/list`, { maxRedirects: 0 })
    assert.equal(afterLogout.status(), 302, 'logged out on the server')
    assert.deepEqual(dialogs, [])
  } catch (error) {
    await page.screenshot({ path: '/tmp/hh/e2e-hardening.png' }).catch(() => undefined)
    if (error instanceof Error) error.message += `\n  at ${page.url()}\n  dialogs: ${JSON.stringify(dialogs)}\n  browser problems: ${JSON.stringify(problems)}`
    throw error
  }
})
