/**
 * axe-core on every kind of page a person meets (issue #27): no serious or critical violation at a
 * desktop width (1440 px) and a phone's (390 px). Each page is opened as a person would reach it
 * and checked once it shows its content.
 */
import assert from 'node:assert/strict'
import { after, before, describe } from 'node:test'
import { generate } from 'otplib'
import type { Page } from 'playwright-core'
import { seriousViolations, type Violation } from '../helpers/axe.js'
import { browserSuite, waitForUrl } from '../helpers/browser.js'
import { createClient, PASSWORD, type TestApp } from '../helpers/harness.js'

const WIDTHS = [1440, 390]

const { start, close, logIn, logInDirectly, journey, newPage } = browserSuite()
let t: TestApp
let base: string
let page: Page
const ids: number[] = []
const found: Record<string, Violation[]> = {}

before(async () => {
  ;({ t, base, page } = await start())
  for (const login of ['axe-alpha', 'axe-bravo']) ids.push(await createClient(t, login, { company: 'Axe Corp' }))
  await t.models.Client.update({ allowCredit: '5000.00' }, { where: { id: ids[0] }, individualHooks: true })
})
after(async () => {
  for (const [where, violations] of Object.entries(found)) console.log(`# axe ${where}: ${violations.length ? JSON.stringify(violations) : 'none serious or critical'}`)
  await close()
})

/** Opens `path` at each width, waits for `ready`, and collects what axe finds. */
async function check(name: string, on: Page, open: () => Promise<void>, ready: (on: Page) => Promise<unknown>) {
  const problems: string[] = []
  for (const width of WIDTHS) {
    await on.setViewportSize({ width, height: 900 })
    await open()
    await ready(on)
    await on.waitForTimeout(300)
    const violations = await seriousViolations(on)
    found[`${name} @${width}`] = violations
    for (const violation of violations) problems.push(`${width}px ${violation.impact} ${violation.id}: ${violation.help} — ${violation.targets.join(' | ')}`)
  }
  assert.deepEqual(problems, [], `${name}: serious or critical axe violations`)
}

const visit = (on: Page, path: string) => async () => {
  await on.goto(`${base}${path}`, { waitUntil: 'domcontentloaded' })
}

describe('accessibility (axe-core) at 1440 and 390 px', () => {
  journey('login page', async () => {
    await page.context().clearCookies()
    await check('login', page, visit(page, '/login'), (on) => on.locator('#login-email').waitFor())
    // And after a wrong password, with the message shown.
    await check(
      'login, wrong password',
      page,
      async () => {
        await logIn(page, 'admin@example.com', 'wrong-password-1')
      },
      (on) => on.getByText('Wrong e-mail or password.').waitFor(),
    )
  })

  journey('two-factor step', async () => {
    const email = 'axe-2fa@example.com'
    await t.models.AdminUser.create({ email, name: 'Axe Twofactor', role: 'manager', password: PASSWORD })
    const agent = await t.loginAs(email)
    const started = await agent.post('/admin/api/account/two-factor').expect(200)
    await agent.post('/admin/api/account/two-factor/confirm').send({ code: await generate({ secret: started.body.secret }) }).expect(200)
    const other = await newPage('two-factor')
    await check('two-factor', other, async () => {
      await other.context().clearCookies()
      await other.goto(`${base}/login`, { waitUntil: 'domcontentloaded' })
      await other.locator('#login-email').fill(email)
      await other.locator('#login-password').fill(PASSWORD)
      await other.getByRole('button', { name: 'Log in' }).click()
      await waitForUrl(other, /\/login\/two-factor$/)
    }, (on) => on.locator('input#code').waitFor())
    await other.context().close()
  })

  journey('home, list, show, edit, new, history, import, bulk edit, My account (administrator)', async () => {
    await logInDirectly(page, 'admin@example.com')
    const pages: [string, string, (on: Page) => Promise<unknown>][] = [
      ['home', '', (on) => on.locator('[data-testid=dashboard]').waitFor()],
      ['list', '/resources/Client', (on) => on.locator('tbody tr').first().waitFor()],
      ['show', `/resources/Client/records/${ids[0]}/show`, (on) => on.getByText('axe-alpha').first().waitFor()],
      ['edit', `/resources/Client/records/${ids[0]}/edit`, (on) => on.locator('input[name=login]').waitFor()],
      ['new', '/resources/Client/actions/new', (on) => on.locator('input[name=login]').waitFor()],
      ['history', '/resources/ChangeHistory', (on) => on.locator('table tbody tr').first().waitFor()],
      ['import', '/resources/Client/actions/importCsv', (on) => on.locator('input[type=file]').first().waitFor({ state: 'attached' })],
      ['bulk edit', `/resources/Client/bulk/bulkEdit?recordIds=${ids.join(',')}`, (on) => on.getByTestId('bulk-edit').waitFor()],
      ['my account', '/pages/account', (on) => on.locator('[data-testid=account-sessions] tbody tr').first().waitFor()],
    ]
    const failures: string[] = []
    for (const [name, path, ready] of pages) {
      await check(name, page, visit(page, path), ready).catch((error: Error) => failures.push(error.message))
    }
    assert.deepEqual(failures, [])
  })
})
