/**
 * Real-browser journeys through the panel (issue #6): Debian's Chromium driven by playwright-core
 * against the app started in this process on a fresh, migrated database (embedded, or a fresh
 * PostgreSQL database when DATABASE_URL is set). Run with `npm run test:e2e`.
 *
 * Each journey fails on a browser console error, an uncaught page error, a failed or 5xx request
 * or any request to a host other than this server. Screenshots go to docs/screenshots/ (viewport
 * 1400x1000); on a failure, a screenshot of the moment goes to the OS temp dir.
 */
import assert from 'node:assert/strict'
import path from 'node:path'
import { after, before, describe } from 'node:test'
import bcrypt from 'bcrypt'
import type { Locator, Page } from 'playwright-core'
import { fieldsOf } from '../../src/fields/model.js'
import { clientDefinition } from '../../src/resources/client/client.fields.js'
import { SCREENSHOTS, VIEWPORT, browserSuite, eventually, waitForUrl } from '../helpers/browser.js'
import { PASSWORD, type TestApp } from '../helpers/harness.js'

const CLIENT_PASSWORD = 'secret-password-1'

const SECTIONS = [
  'Core client settings',
  'Financial settings',
  'Company and contact details',
  'Sending permissions',
  'Email and notification settings',
  'DLR webhook URLs',
  'Billing preferences',
  'Another',
]

/** The spec's labels (docs: /work/shared/spec/client-fields.md), word for word. */
const LABELS: Record<string, string> = {
  login: 'Login',
  password: 'Password',
  passwordConfirmation: 'Retype password',
  managerId: 'Manager',
  notificationLimit: 'Notification limit',
  moderation: 'Moderation',
  timezone: 'Local time',
  currency: 'Currency',
  allowCredit: 'Allow credit',
  allowOverdraw: 'Allow overdraw (temporary credit)',
  smsPriority: 'SMS priority',
  disableBlacklist: 'Disable Black List',
  dynamicSender: 'Dynamic Sender',
  moViaSmpp: 'Send MO SMS via SMPP',
  dailyStatsMailing: 'Daily mailing of general statistics',
  contactName: 'First and Last Name',
  contractNumber: 'Number of contract',
  company: 'Company',
  companyCredentials: 'Company Credential',
  phone: 'Phone',
  country: 'Country',
  telegram: 'Telegram',
  skype: 'Skype',
  dlrWaitDays: 'Days of waiting DLR',
  deliveryStatus: 'Delivery Status',
  canSendSmpp: 'Can Send via SMPP',
  canSendApi: 'Can Send via API',
  canSendWeb: 'Can Send from Web',
  canSendRestApi: 'Can Send via RESTAPI',
  canAddSubaccount: 'Can Add Subaccount',
  email: 'E-mail',
  priceUpdateEmail: 'E-mail for price update',
  billingEmail: 'E-mail for billing',
  priceUpdateFormat: 'Price update format',
  apiDlrUrl: 'URL for send SMS State via API',
  apiMoUrl: 'URL for send Incoming SMS via API',
  restDlrUrl: 'URL for send SMS State via RestAPI',
  restMoUrl: 'URL for send Incoming SMS via RestAPI',
  clientType: 'Enterprise',
  invoiceDates: 'Dates for invoices (separated by commas)',
  sendStats: 'Send stats',
  sendInvoices: 'Send invoices',
  sendToEmail: 'Send to email',
  comments: 'Comments',
  productId: 'Product',
}
const REQUIRED = ['login', 'password', 'managerId', 'moderation', 'timezone', 'deliveryStatus', 'email', 'clientType']
const OPTIONAL = ['notificationLimit', 'currency', 'allowCredit', 'phone', 'country', 'telegram', 'priceUpdateEmail', 'invoiceDates', 'comments', 'productId']
const CHECKBOXES = [
  'disableBlacklist', 'dynamicSender', 'moViaSmpp', 'dailyStatsMailing',
  'canSendSmpp', 'canSendApi', 'canSendWeb', 'canSendRestApi', 'canAddSubaccount',
  'sendStats', 'sendInvoices', 'sendToEmail',
]

const e2e = browserSuite({
  shown: (page) =>
    page.evaluate(() => ({
      notice: (document.querySelector('[data-css=notice]') as HTMLElement | null)?.innerText ?? '',
      fieldMessages: [...document.querySelectorAll('[data-testid^=property-edit-]')]
        .map((el) => `${el.getAttribute('data-testid')!.slice(14)}: ${(el.querySelector(':scope > div > div:last-child') as HTMLElement | null)?.innerText ?? ''}`)
        .filter((line) => !line.endsWith(': ')),
    })),
})
const { logIn } = e2e
let t: TestApp
let base: string
/**
 * One page for the whole suite: the panel's development bundles are ~25 MB of JavaScript, so
 * journeys move inside the running panel where they can instead of reloading it. A journey that
 * needs another user (or finds the panel in an unexpected state) signs in afresh.
 */
let page: Page
const seeded: Record<string, number> = {}

async function seedClient(login: string, managerId: number, extra: Record<string, unknown> = {}) {
  const row = await t.models.Client.create({
    login,
    password: CLIENT_PASSWORD,
    passwordConfirmation: CLIENT_PASSWORD,
    managerId,
    email: `${login}@example.com`,
    company: `Company of ${login}`,
    ...extra,
  })
  seeded[login] = Number(row.get('id'))
}

before(async () => {
  ;({ t, base, page } = await e2e.start())
  await seedClient('m1-alpha', t.ids.manager1, { currency: 'EUR', allowCredit: '100.00' })
  await seedClient('m1-bravo', t.ids.manager1, { phone: '+44 20 7946 0958' })
  await seedClient('m2-charlie', t.ids.manager2)
  await seedClient('m2-delta', t.ids.manager2, { currency: 'USD' })
})

after(() => e2e.close())

/** A journey that starts with the notices of earlier ones closed. */
const journey = (name: string, body: (page: Page) => Promise<void>) =>
  e2e.journey(name, async (page) => {
    await dismissNotices(page)
    await body(page)
  })

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) })

/** The whole page: AdminJS scrolls inside its content pane, so the viewport is stretched for the shot. */
async function shotWhole(page: Page, name: string) {
  const height = await page.evaluate(() =>
    Math.max(...[...document.querySelectorAll('*')].map((el) => (el.scrollHeight > el.clientHeight + 1 ? el.scrollHeight : 0)), 0),
  )
  await page.setViewportSize({ width: VIEWPORT.width, height: Math.min(Math.max(height, VIEWPORT.height), 8000) })
  await page.waitForTimeout(200)
  await shot(page, name)
  await page.setViewportSize(VIEWPORT)
}

async function logInAndWait(page: Page, email: string) {
  await logIn(page, email)
  await waitForUrl(page, /\/admin\/?$/)
  await page.locator('[data-css=logged-in]').getByText(email).waitFor()
}

/** Closes the panel's notices (AdminJS 7 leaves them up until closed), so a journey sees only its own. */
async function dismissNotices(page: Page) {
  const close = page.locator('[data-css=notice-wrapper] button')
  for (let i = 0; i < 10 && (await close.count()); i++) await close.first().click()
}

/** Who the running panel shows as logged in ('' when the page is not the panel). */
async function loggedInAs(page: Page): Promise<string> {
  const topBar = page.locator('[data-css=logged-in]')
  return (await topBar.count()) ? ((await topBar.textContent()) ?? '') : ''
}

/**
 * The Clients list as `email`: through the sidebar when the panel is already open as them, else
 * signed in afresh (the login form itself is exercised by journeys 1 and 6).
 */
async function openClientList(page: Page, email = 'admin@example.com') {
  // Leaving a form with unsaved typing (a journey's last step) asks first: the journeys say leave.
  const leave = (dialog: import('playwright-core').Dialog) =>
    void (dialog.type() === 'beforeunload' || dialog.message().startsWith('You have unsaved changes') ? dialog.accept() : undefined)
  page.on('dialog', leave)
  try {
    if ((await loggedInAs(page)).includes(email)) {
      await page.locator('[data-css=sidebar]').getByRole('link', { name: 'Clients' }).click()
    } else {
      await e2e.logInDirectly(page, email)
      await page.goto(`${base}/resources/Client`, { waitUntil: 'domcontentloaded' })
    }
    await waitForUrl(page, /\/admin\/resources\/Client(\?.*)?$/)
  } finally {
    page.off('dialog', leave)
  }
  await page.locator('[data-css=Client-table-body] tr').first().waitFor()
}

async function openNewClientForm(page: Page) {
  await openClientList(page)
  await page.getByRole('link', { name: 'Create new' }).click()
  await waitForUrl(page, /\/admin\/resources\/Client\/actions\/new$/)
  await page.locator('[data-css=Client-new-form] h4').first().waitFor()
}

/** A row's "..." menu in the list, opened (a click, or Enter on it). */
async function openRowMenu(page: Page, login: string): Promise<Locator> {
  const row = page.locator('[data-css=Client-table-body] tr', { has: page.locator('[data-testid=property-list-login]', { hasText: new RegExp(`^${login}$`) }) })
  await row.locator('[data-testid^=row-actions-]').click()
  await row.getByTestId('action-show').waitFor({ state: 'visible' })
  return row
}

const field = (page: Page, name: string) => page.locator(`[data-testid=property-edit-${name}]`)

/** react-select: type, wait for the matching option, press Enter. */
async function choose(page: Page, name: string, typed: string, optionText: string | RegExp = typed) {
  const input = field(page, name).locator('input[role=combobox]')
  await input.click()
  await input.fill(typed)
  await page.getByRole('option', { name: optionText }).first().waitFor()
  await input.press('Enter')
  await field(page, name).getByText(optionText).first().waitFor()
}

/** The text shown under a field (AdminJS's FormMessage after the control). */
async function messageUnder(page: Page, name: string): Promise<{ text: string; below: boolean }> {
  const group = field(page, name)
  const control = group.locator(`#${name}`)
  const message = group.getByText(/\S/).last()
  const [controlBox, messageBox] = await Promise.all([control.boundingBox(), message.boundingBox()])
  return {
    text: (await message.textContent())?.trim() ?? '',
    below: Boolean(controlBox && messageBox && messageBox.y >= controlBox.y + controlBox.height - 1),
  }
}

const rowLogins = (page: Page) => page.locator('[data-css=Client-table-body] [data-testid=property-list-login]').allTextContents()

async function showValue(page: Page, name: string) {
  return ((await page.locator(`[data-testid=property-show-${name}]`).textContent()) ?? '').replace(/\s+/g, ' ').trim()
}

describe('the panel in a real browser', () => {
  journey('1. log in as the demo admin; a wrong password shows an error on the login page', async (page) => {
    await logIn(page, 'admin@example.com', 'not-the-password')
    const error = page.getByText('Wrong e-mail or password.')
    await error.waitFor()
    assert.equal(new URL(page.url()).pathname, '/admin/login', 'stays on the login page')
    await shot(page, '01-login-wrong-password')

    await page.locator('input[name=email]').fill('admin@example.com')
    await page.locator('input[name=password]').fill(PASSWORD)
    await page.getByRole('button', { name: 'Log in' }).click()
    await waitForUrl(page, /\/admin\/?$/)
    await page.locator('[data-css=logged-in]').getByText('admin@example.com').waitFor()
    await page.locator('[data-css=sidebar]').getByRole('link', { name: 'Clients' }).waitFor()
    await shot(page, '01-dashboard')

    await openClientList(page, 'admin@example.com')
    assert.deepEqual(
      (await rowLogins(page)).sort(),
      ['m1-alpha', 'm1-bravo', 'm2-charlie', 'm2-delta'],
      'an administrator sees every client',
    )
    await shot(page, '01-admin-client-list')
  })

  journey('2. the Clients page opens the new-client form: sections, labels, required marks, defaults', async (page) => {
    await openClientList(page)
    await shot(page, 'client-list')
    assert.ok(
      (await page.locator('[data-css=Client-table-body] [data-testid=action-delete]').count()) > 0,
      'an administrator is offered Delete in the row menus',
    )

    const create = page.getByRole('link', { name: 'Create new' })
    const box = await create.boundingBox()
    assert.ok(box, 'a "Create new" button')
    assert.ok(box.x > VIEWPORT.width / 2 && box.y < 250, `"Create new" sits at the top right (x=${box.x}, y=${box.y})`)
    await create.click()
    await waitForUrl(page, /\/admin\/resources\/Client\/actions\/new$/)
    const form = page.locator('[data-css=Client-new-form]')
    await form.locator('h4').first().waitFor()

    // Sections, in the spec's order.
    assert.deepEqual((await form.locator('h4').allTextContents()).map((text) => text.trim()), SECTIONS)

    // Labels, word for word, and each field under its own section heading.
    const labels: Record<string, string> = {}
    for (const name of Object.keys(LABELS)) {
      labels[name] = ((await form.locator(`label[for="${name}"]`).first().textContent()) ?? '').trim()
    }
    assert.deepEqual(labels, LABELS, 'labels are the spec labels')
    // The spec's "Time of dispatch" is two HH:MM inputs.
    for (const name of ['dispatchFrom', 'dispatchTo']) {
      assert.match(((await form.locator(`label[for="${name}"]`).textContent()) ?? '').trim(), /^Time of dispatch\b/)
    }
    const sectionOf = await form.evaluate((element) => {
      const result: Record<string, string> = {}
      let heading = ''
      for (const node of element.querySelectorAll('h4, label[for]')) {
        if (node.tagName === 'H4') heading = node.textContent?.trim() ?? ''
        else result[node.getAttribute('for')!] ??= heading
      }
      return result
    })
    assert.equal(sectionOf.login, 'Core client settings')
    assert.equal(sectionOf.currency, 'Core client settings')
    assert.equal(sectionOf.allowOverdraw, 'Financial settings')
    assert.equal(sectionOf.telegram, 'Company and contact details')
    assert.equal(sectionOf.canSendWeb, 'Sending permissions')
    assert.equal(sectionOf.email, 'Email and notification settings')
    assert.equal(sectionOf.restMoUrl, 'DLR webhook URLs')
    assert.equal(sectionOf.invoiceDates, 'Billing preferences')
    assert.equal(sectionOf.productId, 'Another')

    // Required mark: AdminJS's Label gets a `required` attribute and draws a "*" before the text.
    const mark = (name: string) =>
      form.locator(`label[for="${name}"]`).first().evaluate((label) => ({
        attribute: label.hasAttribute('required'),
        before: getComputedStyle(label, '::before').content,
      }))
    for (const name of REQUIRED) {
      const { attribute, before } = await mark(name)
      assert.ok(attribute && before.includes('*'), `${name} (${LABELS[name]}) carries the required mark (attribute=${attribute}, ::before=${before})`)
    }
    for (const name of [...CHECKBOXES, ...OPTIONAL]) {
      const { attribute, before } = await mark(name)
      assert.ok(!attribute && !before.includes('*'), `${name} (${LABELS[name]}) carries no required mark (attribute=${attribute}, ::before=${before})`)
    }

    // Defaults preselected.
    const selected = (name: string) => field(page, name).locator('[class*=singleValue], [class*=single-value]').textContent()
    assert.equal(await selected('moderation'), 'Manual')
    assert.equal(await selected('timezone'), 'UTC (UTC+00:00)')
    assert.equal(await selected('deliveryStatus'), 'Active')
    assert.equal(await selected('clientType'), 'Company')
    assert.equal(await selected('priceUpdateFormat'), 'XLSX')
    assert.equal(await page.locator('#canSendWeb').isChecked(), true, 'Can Send from Web is ticked')
    for (const name of CHECKBOXES.filter((n) => n !== 'canSendWeb')) {
      assert.equal(await page.locator(`#${name}`).isChecked(), false, `${name} starts unticked`)
    }
    assert.equal(await page.locator('#dlrWaitDays').inputValue(), '3')
    assert.equal(await page.locator('#smsPriority').inputValue(), '0')

    await shot(page, 'new-client-form')
    await shotWhole(page, '02-new-client-form-full')
  })

  journey('3. fill the form and save: the client is stored and shown with normalized values', async (page) => {
    await openNewClientForm(page)

    await page.locator('#login').fill('acme-ops')
    await page.locator('#password').fill('a-good-password-42')
    await page.locator('#passwordConfirmation').fill('a-good-password-42')
    await choose(page, 'managerId', 'Maria', 'Maria Manager')
    await choose(page, 'timezone', 'Europe/Berlin')
    await page.locator('#company').fill('Acme GmbH')
    await page.locator('#phone').fill('+49 151 12345678')
    await choose(page, 'country', 'Germany', /Germany/)
    await page.locator('#telegram').fill('@acme_ops')
    await page.locator('#email').fill('Ops@Acme.example')
    await page.getByText('Can Send via API', { exact: true }).click()
    await page.locator('#invoiceDates').fill('15, 1,15')
    await page.locator('#comments').fill('Onboarded in the e2e suite.')
    assert.equal(await eventually(() => page.locator('#canSendApi').isChecked()), true, 'clicking the label ticks the checkbox')
    await shot(page, '03-new-client-filled')

    const before = await t.models.Client.count()
    await page.getByTestId('button-save').click()
    // Stock AdminJS lands on the list; this panel may land on the new client's own page. Either
    // way with a success notice.
    await waitForUrl(page, /\/admin\/resources\/Client(\/records\/\d+\/show)?(\?.*)?$/)
    await page.locator('[data-css=notice]').getByText('Successfully created a new record').waitFor()
    await shot(page, '03-client-created')
    assert.equal(await t.models.Client.count(), before + 1)

    const row = await t.models.Client.findOne({ where: { login: 'acme-ops' } })
    assert.ok(row, 'the client is stored')
    assert.equal(row.get('phone'), '+4915112345678')
    assert.deepEqual(row.get('invoiceDates'), [1, 15])
    assert.equal(row.get('telegram'), 'acme_ops')
    assert.equal(row.get('email'), 'ops@acme.example')
    assert.equal(row.get('timezone'), 'Europe/Berlin')
    assert.equal(row.get('country'), 'DE')
    assert.equal(row.get('canSendApi'), true)
    assert.equal(row.get('canSendWeb'), true)
    assert.equal(row.get('moderation'), 'manual')
    assert.equal(Number(row.get('managerId')), t.ids.manager1)
    seeded['acme-ops'] = Number(row.get('id'))

    // Its page shows the saved values.
    if (!/\/show(\?.*)?$/.test(page.url())) {
      await page.locator('tr', { hasText: 'acme-ops' }).locator('[data-property-name=login]').click()
    }
    await waitForUrl(page, new RegExp(`/admin/resources/Client/records/${seeded['acme-ops']}/show(\\?.*)?$`))
    await page.locator('[data-testid=property-show-phone]').waitFor()
    assert.match(await showValue(page, 'phone'), /\+4915112345678/)
    assert.match(await showValue(page, 'invoiceDates'), /(^|\D)1, 15$/)
    assert.match(await showValue(page, 'telegram'), /acme_ops$/)
    assert.doesNotMatch(await showValue(page, 'telegram'), /@/)
    assert.match(await showValue(page, 'email'), /ops@acme\.example/)
    assert.match(await showValue(page, 'managerId'), /Maria Manager/)
    await shotWhole(page, '03-client-show')
  })

  journey('4. a bad e-mail and a password mismatch: errors under their fields, values kept, nothing saved', async (page) => {
    await openNewClientForm(page)

    await page.locator('#login').fill('bad-input-co')
    await page.locator('#password').fill('a-good-password-42')
    await page.locator('#passwordConfirmation').fill('another-password-43')
    await choose(page, 'managerId', 'Mark', 'Mark Manager')
    await page.locator('#email').fill('not-an-e-mail')
    await page.locator('#company').fill('Bad Input Ltd')

    const before = await t.models.Client.count()
    await page.getByTestId('button-save').click()
    await field(page, 'email').getByText('Must be a valid e-mail address').waitFor()

    assert.match(new URL(page.url()).pathname, /\/admin\/resources\/Client\/actions\/new$/, 'the form stays')
    const email = await messageUnder(page, 'email')
    assert.equal(email.text, 'Must be a valid e-mail address')
    assert.ok(email.below, 'the e-mail error is under the E-mail input')
    const confirmation = await messageUnder(page, 'passwordConfirmation')
    assert.equal(confirmation.text, 'Must match Password')
    assert.ok(confirmation.below, 'the mismatch error is under the Retype password input')
    assert.equal(await field(page, 'password').getByText('Must match Password').count(), 0, 'the mismatch is not reported on Password')

    assert.equal(await page.locator('#login').inputValue(), 'bad-input-co')
    assert.equal(await page.locator('#email').inputValue(), 'not-an-e-mail')
    assert.equal(await page.locator('#company').inputValue(), 'Bad Input Ltd')
    assert.equal(await page.locator('#password').inputValue(), 'a-good-password-42')
    assert.equal(await page.locator('#passwordConfirmation').inputValue(), 'another-password-43')
    assert.match((await field(page, 'managerId').textContent()) ?? '', /Mark Manager/)

    await field(page, 'passwordConfirmation').scrollIntoViewIfNeeded()
    await shot(page, '04-validation-password-mismatch')
    await field(page, 'email').scrollIntoViewIfNeeded()
    await shot(page, '04-validation-email-error')
    assert.equal(await t.models.Client.count(), before, 'nothing is saved')
    assert.equal(await t.models.Client.count({ where: { login: 'bad-input-co' } }), 0)
  })

  journey('5. editing a client whose currency is set: currency locked with its note, Allow credit saved', async (page) => {
    const id = seeded['m1-alpha']
    await openClientList(page)
    const row = await openRowMenu(page, 'm1-alpha')
    await row.getByTestId('action-edit').click()
    await waitForUrl(page, new RegExp(`/admin/resources/Client/records/${id}/edit$`))
    await page.locator('#allowCredit').waitFor()
    // The sections come from the layout the panel loaded with its state: no record answer carries one.
    assert.deepEqual((await page.locator('[data-css=Client-edit-form] h4').allTextContents()).map((text) => text.trim()), SECTIONS)

    const currency = field(page, 'currency')
    await currency.waitFor()
    const control = currency.locator('input').first()
    assert.equal(await control.isDisabled(), true, 'the currency control is disabled')
    assert.match(await control.inputValue(), /EUR/)
    await currency.getByText('Set once and cannot be changed.').waitFor()
    assert.equal(await currency.locator('input[role=combobox]:not([disabled])').count(), 0, 'no enabled currency select')
    await currency.scrollIntoViewIfNeeded()
    await shot(page, '05-edit-currency-locked')

    assert.equal(await page.locator('#allowCredit').inputValue(), '100.00')
    await page.locator('#allowCredit').fill('2500.75')
    await page.getByTestId('button-save').click()
    await page.locator('[data-css=notice]').getByText('Successfully updated given record').waitFor()
    await shot(page, '05-client-updated')
    await waitForUrl(page, new RegExp(`/admin/resources/Client/records/${id}/show$`))
    const shown = (await page.locator('h4').allTextContents()).map((text) => text.trim())
    for (const section of [...SECTIONS.slice(0, 2), 'Change history']) assert.ok(shown.includes(section), `the record page draws "${section}": ${shown.join(', ')}`)

    const stored = await t.models.Client.findByPk(id)
    assert.equal(String(stored!.get('allowCredit')), '2500.75')
    assert.equal(stored!.get('currency'), 'EUR', 'currency unchanged')
  })

  journey('6. a manager sees only their clients, no administration menu and no delete action', async (page) => {
    await logInAndWait(page, 'manager1@example.com')
    await openClientList(page, 'manager1@example.com')

    const own = (await t.models.Client.findAll({ where: { managerId: t.ids.manager1 } })).map((row) => String(row.get('login')))
    const others = (await t.models.Client.findAll({ where: { managerId: t.ids.manager2 } })).map((row) => String(row.get('login')))
    assert.ok(own.length >= 2 && others.length >= 2)
    const logins = await rowLogins(page)
    assert.deepEqual([...logins].sort(), [...own].sort(), 'exactly their own clients are listed')
    for (const login of others) {
      assert.equal(await page.getByText(login, { exact: true }).count(), 0, `${login} (manager2's) is not shown`)
    }
    const managers = await page.locator('[data-css=Client-table-body] [data-testid=property-list-managerId]').allTextContents()
    assert.ok(managers.every((name) => name.trim() === 'Maria Manager'), `all rows are Maria Manager's: ${managers}`)

    const sidebar = page.locator('[data-css=sidebar]')
    const menu = ((await sidebar.textContent()) ?? '').replace(/\s+/g, ' ')
    assert.match(menu, /Clients/)
    for (const hidden of ['Administration', 'Admin users', 'Products']) {
      assert.ok(!menu.includes(hidden), `no "${hidden}" in the menu (menu: ${menu})`)
    }
    await shot(page, '06-manager-client-list')

    // The row's "..." menu offers Show and Edit, but no Delete.
    const row = await openRowMenu(page, 'm1-alpha')
    await row.getByTestId('action-edit').waitFor({ state: 'visible' })
    assert.equal(await row.getByTestId('action-delete').count(), 0, 'no Delete in the row menu')
    assert.equal(await page.locator('[data-css=Client-table-body] [data-testid=action-delete]').count(), 0)
    await shot(page, '06-manager-row-actions')

    // Selecting rows offers no bulk delete either.
    const checkbox = row.locator('input[type=checkbox]')
    if (await checkbox.count()) {
      await row.locator('td').first().locator('span').first().click()
      assert.equal(await eventually(() => checkbox.isChecked()), true, 'the row is selected')
      assert.equal(await page.getByRole('link', { name: /^Delete/ }).count(), 0, 'no bulk Delete')
      assert.equal(await page.getByRole('button', { name: /^Delete/ }).count(), 0, 'no bulk Delete')
      // Managers may select rows (for "Edit selected"); the click moved the pointer off the row menu.
      await openRowMenu(page, 'm1-alpha')
    }

    // The client's page header: no Delete.
    await row.getByTestId('action-show').click({ force: true })
    await waitForUrl(page, new RegExp(`/admin/resources/Client/records/${seeded['m1-alpha']}/show(\\?.*)?$`))
    await page.locator('[data-testid=property-show-login]').waitFor()
    assert.equal(await page.getByTestId('action-delete').count(), 0, 'no Delete on the show page')
    assert.equal(await page.getByRole('link', { name: 'Delete' }).count(), 0)
    assert.equal(await page.getByRole('button', { name: 'Delete' }).count(), 0)
    await page.getByTestId('action-edit').first().waitFor()
    await shot(page, '06-manager-client-show')
  })

  journey('7. the whole new-client form can be filled and saved with the keyboard alone, tab order follows the sections', async (page) => {
    await e2e.logInDirectly(page, 'admin@example.com')
    await page.goto(`${base}/resources/Client/actions/new`, { waitUntil: 'domcontentloaded' })
    const form = page.locator('[data-css=Client-new-form]')
    await form.locator('h4').first().waitFor()
    await page.locator('#login').waitFor()

    /** Where the focus is: the element, and the field whose property box holds it. */
    type Stop = { field: string; tag: string; id: string; type: string; role: string; testid: string; text: string }
    const where = (): Promise<Stop> =>
      page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null
        const box = el?.closest('[data-testid^="property-edit-"]')
        return {
          field: box ? box.getAttribute('data-testid')!.slice('property-edit-'.length) : '',
          tag: el?.tagName.toLowerCase() ?? '',
          id: el?.id ?? '',
          type: el?.getAttribute('type') ?? '',
          role: el?.getAttribute('role') ?? '',
          testid: el?.getAttribute('data-testid') ?? '',
          text: (el?.textContent ?? '').trim().slice(0, 30),
        }
      })
    const describeStop = (stop: Stop) =>
      `${stop.field || '(outside any field)'}: <${stop.tag}${stop.id ? `#${stop.id}` : ''}${stop.type ? ` type=${stop.type}` : ''}${stop.role ? ` role=${stop.role}` : ''}${stop.testid ? ` data-testid=${stop.testid}` : ''}>${stop.text ? ` "${stop.text}"` : ''}`
    const stops: Stop[] = []
    const tabOrder = () => stops.map(describeStop).join('\n    ')

    /** Presses Tab until the focused element matches, recording every stop on the way. */
    async function tabUntil(what: string, reached: (stop: Stop) => boolean, most = 80) {
      for (let i = 0; i < most; i++) {
        await page.keyboard.press('Tab')
        const stop = await where()
        stops.push(stop)
        if (reached(stop)) return
      }
      assert.fail(`Tab never reached ${what} after ${most} presses; the tab order was:\n    ${tabOrder()}`)
    }
    const tabTo = (id: string) => tabUntil(`#${id}`, (stop) => stop.id === id)
    const isChecked = (id: string) => page.evaluate((id) => (document.getElementById(id) as HTMLInputElement).checked, id)

    // The only non-keyboard step: put the focus into the first field.
    await page.locator('#login').focus()
    stops.push(await where())
    assert.equal(stops[0].id, 'login', 'the focus is in Login')

    // From here on: the keyboard only.
    await page.keyboard.type('kbd-only-co')
    await tabTo('password')
    await page.keyboard.type('keyboard-pass-42')
    await tabTo('passwordConfirmation')
    await page.keyboard.type('keyboard-pass-42')

    await tabTo('managerId')
    await page.keyboard.type('Maria')
    await page.getByRole('option', { name: 'Maria Manager' }).first().waitFor()
    await page.keyboard.press('Enter')
    await field(page, 'managerId').getByText('Maria Manager').first().waitFor()

    // Through the intermediate fields at their defaults; Space ticks "Can Send via API".
    await tabTo('canSendApi')
    assert.equal(await isChecked('canSendApi'), false)
    await page.keyboard.press('Space')
    assert.equal(await eventually(() => isChecked('canSendApi')), true, 'Space ticks Can Send via API')

    await tabTo('email')
    await page.keyboard.type('keyboard@example.com')

    await tabUntil('the Save button', (stop) => stop.testid === 'button-save')

    // The tab order: the fields visited, in order, follow the definition (section by section).
    const order = fieldsOf(clientDefinition).map(([name]) => name)
    const visited = stops.map((stop) => stop.field).filter((name, i, all) => name && name !== all[i - 1])
    for (const name of visited) assert.ok(order.includes(name), `${name} is a field of the Client definition`)
    for (let i = 1; i < visited.length; i++) {
      assert.ok(
        order.indexOf(visited[i]) > order.indexOf(visited[i - 1]),
        `Tab goes from ${visited[i - 1]} to ${visited[i]}, against the definition order; the tab order was:\n    ${tabOrder()}`,
      )
    }
    // No field is skipped, and nothing outside the fields is visited before Save.
    const inForm = await form.evaluate((element) =>
      [...element.querySelectorAll('[data-testid^="property-edit-"]')].map((box) => box.getAttribute('data-testid')!.slice('property-edit-'.length)),
    )
    assert.deepEqual(visited, inForm, `Tab visits every field of the form, in order; the tab order was:\n    ${tabOrder()}`)
    assert.deepEqual(
      stops.slice(0, -1).filter((stop) => !stop.field).map(describeStop),
      [],
      'no stops outside the fields between Login and Save',
    )

    await shot(page, '07-keyboard-only')
    const before = await t.models.Client.count()
    await page.keyboard.press('Enter')
    await waitForUrl(page, /\/admin\/resources\/Client(\/records\/\d+\/show)?(\?.*)?$/)
    await page.locator('[data-css=notice]').getByText('Successfully created a new record').waitFor()
    assert.equal(await t.models.Client.count(), before + 1)

    const row = await t.models.Client.findOne({ where: { login: 'kbd-only-co' } })
    assert.ok(row, 'the client is stored')
    assert.equal(row.get('email'), 'keyboard@example.com')
    assert.equal(Number(row.get('managerId')), t.ids.manager1)
    const hash = (await t.models.Client.unscoped().findByPk(Number(row.get('id'))))?.get('passwordHash')
    assert.ok(await bcrypt.compare('keyboard-pass-42', String(hash)), 'the typed password is stored')
    assert.equal(row.get('canSendApi'), true, 'the ticked checkbox is stored')
    assert.equal(row.get('canSendWeb'), true, 'defaults kept')
    assert.equal(row.get('canSendSmpp'), false)
    assert.equal(row.get('moderation'), 'manual')
    assert.equal(row.get('timezone'), 'UTC')
    assert.equal(row.get('deliveryStatus'), 'active')
    assert.equal(row.get('clientType'), 'company')
    seeded['kbd-only-co'] = Number(row.get('id'))
  })
})
