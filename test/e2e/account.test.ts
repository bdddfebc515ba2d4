/**
 * "My account" in a real browser (issue #19): a user sets up two-factor login on the page (the
 * secret read from the page, the code computed here), sees the recovery codes once, and the next
 * login asks for a code; changing the password shows the server's field errors; the sessions
 * table lists this session and ends another browser's; an administrator resets a user's
 * two-factor login from the user's record, and a required enrolment lands on a page that works.
 * Chromium as in panel.test.ts; screenshots go to docs/screenshots/.
 */
import assert from 'node:assert/strict'
import path from 'node:path'
import { after, before, describe } from 'node:test'
import { generate } from 'otplib'
import type { Page } from 'playwright-core'
import { SCREENSHOTS, VIEWPORT, browserSuite, waitForUrl } from '../helpers/browser.js'
import { PASSWORD, type TestApp } from '../helpers/harness.js'

const e2e = browserSuite({
  watch: {
    // A refusal the page shows (a wrong code or password: HTTP 400) is logged by the browser as a
    // failed load; server errors are caught from the responses.
    consoleErrors: { except: /status of 4\d\d/ },
    failedRequests: false,
  },
})
const { journey } = e2e
let t: TestApp
let base: string
let page: Page

before(async () => {
  ;({ t, base, page } = await e2e.start())
  await t.models.AdminUser.create({ email: 'second-admin@example.com', name: 'Sam Second', role: 'admin', password: PASSWORD })
})

after(() => e2e.close())

/** A watched page in a browser of its own (another person's, say). */
async function newPage() {
  const page = await e2e.newPage()
  return { context: page.context(), page }
}

/** The login form, as a person fills it; answers where it led. */
async function logIn(on: Page, email: string, password = PASSWORD) {
  await e2e.logIn(on, email, password)
  await on.waitForURL((url) => !url.pathname.endsWith('/admin/login'))
  return new URL(on.url()).pathname
}

async function openAccountPage(on: Page) {
  await on.goto(`${base}/pages/account`, { waitUntil: 'domcontentloaded' })
  await on.locator('[data-testid=account-sessions] tbody tr').first().waitFor()
}

const now = () => Math.floor(Date.now() / 1000)
/** A code of the next 30-second step: later than the step the enrolment used, inside the tolerance. */
const nextCode = (secret: string) => generate({ secret, epoch: now() + 30 })

/** Whether the image was drawn (a QR code the CSP refused would have no size). */
const imageDrawn = (on: Page, selector: string) =>
  on.locator(selector).evaluate((image) => (image as HTMLImageElement).complete && (image as HTMLImageElement).naturalWidth > 0)

describe('my account in a real browser', () => {
  journey('a manager sets up two-factor login on the account page; the next login asks for a code', async () => {
    assert.equal(await logIn(page, 'manager1@example.com'), '/admin')
    // The page is in the sidebar and in the top bar's user menu.
    await page.locator('a[href="/admin/pages/account"]').first().waitFor()
    await page.locator('[data-css=logged-in]').hover()
    await page.locator('[data-css=logged-in]').getByText('My account').click()
    await waitForUrl(page, /\/admin\/pages\/account$/)
    const twoFactor = page.locator('[data-testid=account-two-factor]')
    await twoFactor.getByText('Off', { exact: true }).waitFor()

    await twoFactor.getByRole('button', { name: 'Set up two-factor login' }).click()
    await page.locator('[data-testid=two-factor-qr]').waitFor()
    assert.ok(await imageDrawn(page, '[data-testid=two-factor-qr]'), 'the QR code is drawn (a data: image the CSP allows)')
    assert.match(String(await page.locator('[data-testid=two-factor-qr]').getAttribute('src')), /^data:image\/png;base64,/)
    const secret = (await page.locator('[data-testid=two-factor-secret]').innerText()).replace(/\s/g, '')
    assert.match(secret, /^[A-Z2-7]{16,}$/)
    // The panel scrolls inside its own frame: a tall window shows the whole page.
    await page.setViewportSize({ width: VIEWPORT.width, height: 2100 })
    await page.screenshot({ path: path.join(SCREENSHOTS, 'account.png') })
    await page.setViewportSize(VIEWPORT)

    await page.locator('input#code').fill('000000')
    await page.getByRole('button', { name: 'Turn on' }).click()
    await twoFactor.getByText(/That code is not right/).waitFor()
    await page.locator('input#code').fill(await generate({ secret }))
    await page.getByRole('button', { name: 'Turn on' }).click()
    await page.locator('[data-testid=recovery-codes]').waitFor()
    assert.equal(await page.locator('[data-testid=recovery-code]').count(), 10)
    assert.match(await page.locator('[data-testid=recovery-codes]').innerText(), /Save these recovery codes now/)
    await page.screenshot({ path: path.join(SCREENSHOTS, 'account-recovery-codes.png') })
    await page.getByRole('button', { name: 'I have saved them' }).click()
    await twoFactor.getByText('On', { exact: true }).waitFor()
    assert.match(await twoFactor.innerText(), /Recovery codes left: 10 of 10/)
    assert.equal(await page.locator('[data-testid=recovery-code]').count(), 0, 'the codes are shown once')

    await page.locator('[data-css=logged-in]').hover()
    await page.getByText('Log out').click()
    await waitForUrl(page, /\/admin\/login$/)

    assert.equal(await logIn(page, 'manager1@example.com'), '/admin/login/two-factor')
    await page.locator('input#code').fill(await nextCode(secret))
    await page.getByRole('button', { name: 'Log in' }).click()
    await waitForUrl(page, /\/admin\/?$/)
    await page.locator('[data-testid=dashboard]').waitFor()
  })

  journey('changing the password shows the field errors, then succeeds and ends the other session', async () => {
    const other = await newPage()
    assert.equal(await logIn(other.page, 'manager2@example.com'), '/admin')
    assert.equal(await logIn(page, 'manager2@example.com'), '/admin')
    await openAccountPage(page)
    const form = page.locator('[data-testid=account-password]')
    const submit = form.getByRole('button', { name: 'Change password' })

    await page.locator('input#currentPassword').fill('not-my-password')
    await page.locator('input#newPassword').fill('a-brand-new-password')
    await page.locator('input#newPasswordConfirmation').fill('a-brand-new-password')
    await submit.click()
    await page.locator('[data-testid=currentPassword-error]').getByText('The current password is not right.').waitFor()

    await page.locator('input#currentPassword').fill(PASSWORD)
    await page.locator('input#newPasswordConfirmation').fill('a-brand-new-passwort')
    await submit.click()
    await page.locator('[data-testid=newPasswordConfirmation-error]').getByText('This does not match the new password.').waitFor()
    assert.equal(await page.locator('[data-testid=currentPassword-error]').innerText(), '', 'the fixed field shows no error any more')

    await page.locator('input#newPasswordConfirmation').fill('a-brand-new-password')
    await submit.click()
    await form.getByText(/Your password was changed\. All your other sessions were ended/).waitFor()
    assert.equal(await page.locator('input#currentPassword').inputValue(), '')
    // The table, reloaded, shows this session alone.
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=session-other]').length === 0)
    assert.equal(await page.locator('[data-testid=session-current]').count(), 1)

    await other.page.goto(`${base}/resources/Client`, { waitUntil: 'domcontentloaded' })
    await waitForUrl(other.page, /\/admin\/login$/)
    await other.context.close()
    assert.equal(await logIn(page, 'manager2@example.com', 'a-brand-new-password'), '/admin')
  })

  journey('the sessions table lists this session; ending another one logs that browser out', async () => {
    const other = await newPage()
    assert.equal(await logIn(other.page, 'admin@example.com'), '/admin')
    assert.equal(await logIn(page, 'admin@example.com'), '/admin')
    await openAccountPage(page)
    const current = page.locator('[data-testid=session-current]')
    assert.equal(await current.count(), 1)
    assert.match(await current.innerText(), /This session/)
    assert.match(await current.innerText(), /HeadlessChrome|Chrome/)
    assert.match(await current.innerText(), /127\.0\.0\.1/)
    const others = page.locator('[data-testid=session-other]')
    assert.equal(await others.count(), 1)

    await others.getByRole('button', { name: 'End' }).click()
    await page.getByText('The session was ended').waitFor()
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=session-other]').length === 0)
    assert.equal(await current.count(), 1)
    await other.page.goto(`${base}/resources/Client`, { waitUntil: 'domcontentloaded' })
    await waitForUrl(other.page, /\/admin\/login(\?next=[^&]*)?$/)
    await other.context.close()
    await page.goto(`${base}/resources/Client`, { waitUntil: 'domcontentloaded' })
    await waitForUrl(page, /\/admin\/resources\/Client/)
  })

  journey("an administrator resets a user's two-factor login from the user's record", async () => {
    assert.equal(await logIn(page, 'admin@example.com'), '/admin')
    await page.goto(`${base}/resources/AdminUser/records/${t.ids.manager1}/show`, { waitUntil: 'domcontentloaded' })
    await page.getByText('Reset two-factor', { exact: true }).click()
    await waitForUrl(page, /\/resetTwoFactor$/)
    const reset = page.locator('[data-testid=reset-two-factor]')
    await reset.getByText(/has two-factor login on/).waitFor()
    await page.screenshot({ path: path.join(SCREENSHOTS, 'reset-two-factor.png') })
    await reset.getByRole('button', { name: 'Reset two-factor login' }).click()
    await reset.getByText(/was reset/).waitFor()
    assert.equal(await logIn(page, 'manager1@example.com'), '/admin', 'the password alone logs in again')
  })

  journey('required for administrators: an administrator without it lands on a working enrolment page', async () => {
    assert.equal(await logIn(page, 'admin@example.com'), '/admin')
    await openAccountPage(page)
    const requirement = page.locator('[data-testid=account-requirement]')
    await requirement.locator('label[for=requirement-admins]').click()
    await requirement.getByRole('button', { name: 'Save requirement' }).click()
    await requirement.getByText(/Saved\. Two-factor login is now required for: administrators/).waitFor()
    try {
      assert.equal(await logIn(page, 'second-admin@example.com'), '/admin/login/two-factor')
      await page.getByText('Set up two-factor login').waitFor()
      assert.ok(await imageDrawn(page, 'img[alt^="QR code"]'), 'the QR code is drawn')
      // Nothing else opens until it is done.
      await page.goto(`${base}/resources/Client`, { waitUntil: 'domcontentloaded' })
      await waitForUrl(page, /\/admin\/login\/two-factor$/)
      const secret = (await page.locator('code').innerText()).replace(/\s/g, '')
      await page.locator('input#code').fill(await generate({ secret }))
      await page.getByRole('button', { name: 'Turn on' }).click()
      await page.getByText('Your recovery codes').waitFor()
      assert.equal(await page.locator('li').count(), 10)
      await page.getByRole('link', { name: 'Continue to the panel' }).click()
      await waitForUrl(page, /\/admin\/?$/)
      await page.locator('[data-testid=dashboard]').waitFor()
    } finally {
      await t.db.sequelize.query(`UPDATE panel_settings SET value = '"off"' WHERE key = 'two_factor_required'`)
    }
  })
})
