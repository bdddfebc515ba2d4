import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import bcrypt from 'bcrypt'
import type request from 'supertest'
import { api, createClient, pageResource, startTestApp, validClientForm, type TestApp } from './helpers/harness.js'

// Issue #3: every rule of the Client record (docs: spec/client-fields.md), through the panel's own
// HTTP API as the form posts it (string values, '' for emptied fields), against the real database.

type Agent = Awaited<ReturnType<TestApp['loginAs']>>
type Body = {
  notice?: { type: string; message: string }
  record?: { id?: number; params: Record<string, unknown>; errors: Record<string, { message: string }> }
  records?: { id: number; params: Record<string, unknown> }[]
}

let t: TestApp
let admin: Agent
let counter = 0

before(async () => {
  t = await startTestApp()
  admin = await t.loginAs('admin@example.com')
})
after(() => t.close())

// ---------------------------------------------------------------------------------------------
// Helpers

const form = (overrides: Record<string, string> = {}) => validClientForm({ managerId: String(t.ids.manager1), ...overrides })

const describeBody = (response: request.Response) =>
  `HTTP ${response.status}: ${JSON.stringify({ notice: response.body?.notice, errors: response.body?.record?.errors }).slice(0, 600)}`

const postNew = (payload: Record<string, string>) => admin.post(api.new('Client')).type('form').send(payload)
const postEdit = (id: number, payload: Record<string, string>) => admin.post(api.record('Client', id, 'edit')).type('form').send(payload)

async function shown(id: number): Promise<Record<string, unknown>> {
  const response = await admin.get(api.record('Client', id, 'show'))
  assert.equal(response.status, 200)
  assert.notEqual(response.body.notice?.type, 'error', describeBody(response))
  return response.body.record.params
}

/** Creates a client through the panel; the creation must succeed. Returns its id and show params. */
async function createOk(overrides: Record<string, string> = {}) {
  const response = await postNew(form(overrides))
  assert.equal(response.status, 200, describeBody(response))
  assert.equal(response.body.notice?.type, 'success', `create with ${JSON.stringify(overrides).slice(0, 200)} → ${describeBody(response)}`)
  const id = Number(response.body.record.id ?? response.body.record.params.id)
  assert.ok(id > 0)
  return { id, params: await shown(id), response }
}

function assertFieldError(response: request.Response, field: string, context = '') {
  assert.equal(response.status, 200, `never a 500 ${context}: ${describeBody(response)}`)
  const body = response.body as Body
  assert.equal(body.notice?.type, 'error', `refused ${context}: ${describeBody(response)}`)
  const message = body.record?.errors?.[field]?.message
  assert.ok(typeof message === 'string' && message.length > 0, `an error on ${field} ${context}: ${describeBody(response)}`)
  return message as string
}

/** Posting the form with these overrides is refused with an error on `field`, and nothing is saved. */
async function createRefused(field: string, overrides: Record<string, string>) {
  const before = await t.models.Client.count()
  const response = await postNew(form(overrides))
  const message = assertFieldError(response, field, `(new with ${JSON.stringify(overrides).slice(0, 120)})`)
  assert.equal(await t.models.Client.count(), before, `nothing saved for ${JSON.stringify(overrides).slice(0, 120)}`)
  return message
}

/** A client made directly through the model (fast; a known, valid starting point for edits). */
const makeClient = (values: Record<string, unknown> = {}) => createClient(t, `rule-${++counter}-${Date.now().toString(36)}`, values)

const rawRow = async (id: number) => {
  const row = await t.models.Client.scope('withSecrets').findByPk(id)
  assert.ok(row, `client ${id} exists`)
  return row.get({ plain: true }) as Record<string, unknown>
}

/** Posting an edit with these values is refused with an error on `field`, and the row is unchanged. */
async function editRefused(id: number, field: string, payload: Record<string, string>) {
  const before = await rawRow(id)
  const response = await postEdit(id, payload)
  const message = assertFieldError(response, field, `(edit with ${JSON.stringify(payload).slice(0, 120)})`)
  const afterwards = await rawRow(id)
  assert.deepEqual(afterwards, before, 'the row is unchanged')
  return message
}

// ---------------------------------------------------------------------------------------------
// One test per field rule: valid values are stored (normalized where the spec says), invalid ones
// come back as an error on that field, on create and on edit, and nothing is saved.

type Rule = {
  field: string
  rule: string
  /** [posted value, what the show page returns]. */
  valid: [string, unknown][]
  invalid: string[]
  /** Other fields the valid/invalid values need (e.g. the other half of a pair). */
  with?: Record<string, string>
}

const long = (n: number) => 'x'.repeat(n)

const rules: Rule[] = [
  {
    field: 'login',
    rule: '3–64 chars of A-Z a-z 0-9 . _ -',
    valid: [
      ['Acme.Ops_1-x', 'Acme.Ops_1-x'],
      ['abc', 'abc'],
      [`L${long(63)}`, `L${long(63)}`],
    ],
    invalid: ['ab', `L${long(64)}`, 'bad login', 'bad!login', 'über-client', 'semi;colon'],
  },
  {
    field: 'password',
    rule: 'at least 10 characters',
    valid: [['0123456789', undefined]],
    invalid: ['123456789', 'short'],
  },
  {
    field: 'notificationLimit',
    rule: 'a whole number ≥ 0',
    valid: [
      ['0', 0],
      ['5000', 5000],
    ],
    invalid: ['-1', '1.5', 'lots'],
  },
  {
    field: 'moderation',
    rule: 'manual or automatic',
    valid: [
      ['automatic', 'automatic'],
      ['manual', 'manual'],
    ],
    invalid: ['sometimes', 'Manual '.repeat(3)],
  },
  {
    field: 'timezone',
    rule: 'a real IANA zone',
    valid: [
      ['Europe/Berlin', 'Europe/Berlin'],
      ['America/Argentina/Buenos_Aires', 'America/Argentina/Buenos_Aires'],
      ['UTC', 'UTC'],
    ],
    invalid: ['CET+1', 'Mars/Olympus_Mons', 'GMT+25', 'Berlin'],
  },
  {
    field: 'currency',
    rule: 'an ISO 4217 code',
    valid: [
      ['EUR', 'EUR'],
      ['USD', 'USD'],
    ],
    invalid: ['EURO', 'ZZZ', '€', '12'],
  },
  {
    field: 'allowCredit',
    rule: 'an exact decimal ≥ 0',
    valid: [
      ['12.50', '12.50'],
      ['0', '0.00'],
      ['999999999999.99', '999999999999.99'],
      ['0.10', '0.10'],
    ],
    invalid: ['-0.01', '1.005', 'ten', '1e999', '1,50', '9999999999999'],
  },
  {
    field: 'allowOverdraw',
    rule: 'an exact decimal ≥ 0',
    valid: [
      ['12.50', '12.50'],
      ['100', '100.00'],
    ],
    invalid: ['-5', '0.001', 'NaN', 'Infinity'],
  },
  {
    field: 'smsPriority',
    rule: '0–3',
    valid: [
      ['0', 0],
      ['3', 3],
    ],
    invalid: ['4', '-1', '1.5', 'abc'],
  },
  {
    field: 'contactName',
    rule: 'at most 128 characters',
    valid: [[long(128), long(128)]],
    invalid: [long(129)],
  },
  {
    field: 'contractNumber',
    rule: 'at most 64 characters',
    valid: [[long(64), long(64)]],
    invalid: [long(65)],
  },
  {
    field: 'company',
    rule: 'at most 255 characters',
    valid: [[long(255), long(255)]],
    invalid: [long(256)],
  },
  {
    field: 'companyCredentials',
    rule: 'at most 4000 characters',
    valid: [[long(4000), long(4000)]],
    invalid: [long(4001)],
  },
  {
    field: 'phone',
    rule: 'a valid international number, stored in E.164',
    valid: [
      ['+49 151 12345678', '+4915112345678'],
      ['0049 (151) 123-456-78', '+4915112345678'],
      ['+4915112345678', '+4915112345678'],
    ],
    invalid: ['12345', 'call me', '+49 151', '+00 123 456 789', `+49151${'1'.repeat(20)}`],
  },
  {
    field: 'country',
    rule: 'an ISO 3166-1 alpha-2 code',
    valid: [
      ['DE', 'DE'],
      ['US', 'US'],
    ],
    invalid: ['XX', 'Germany', 'DEU', '1'],
  },
  {
    field: 'telegram',
    rule: '5–32 of A-Z a-z 0-9 _, optional leading @, stored without it',
    valid: [
      ['acme_ops', 'acme_ops'],
      ['@acme_support', 'acme_support'],
      [long(32), long(32)],
    ],
    invalid: ['abcd', '@abcd', 'bad-name', `${long(33)}`, 'with space', '@@acme_ops', 'acme@ops'],
  },
  {
    field: 'skype',
    rule: 'at most 64 characters',
    valid: [[long(64), long(64)]],
    invalid: [long(65)],
  },
  {
    field: 'dlrWaitDays',
    rule: '1–30',
    valid: [
      ['1', 1],
      ['30', 30],
    ],
    invalid: ['0', '31', '-3', '2.5', 'week'],
  },
  {
    field: 'deliveryStatus',
    rule: 'active or expired',
    valid: [
      ['expired', 'expired'],
      ['active', 'active'],
    ],
    invalid: ['deleted', 'Active!'],
  },
  {
    field: 'email',
    rule: 'a valid address, stored lower-cased',
    valid: [
      ['Ops.Team+SMS@Example.COM', 'ops.team+sms@example.com'],
      ['  billing@example.org ', 'billing@example.org'],
    ],
    invalid: ['not-an-email', 'a@b', 'two@@example.com', 'no spaces@example.com', '@example.com', `${long(250)}@example.com`],
  },
  {
    field: 'priceUpdateEmail',
    rule: 'a valid address',
    valid: [['prices@example.com', 'prices@example.com']],
    invalid: ['prices', 'prices@', 'prices@example'],
  },
  {
    field: 'billingEmail',
    rule: 'a valid address',
    valid: [['billing@example.com', 'billing@example.com']],
    invalid: ['billing', 'billing@', 'a b@example.com'],
  },
  {
    field: 'priceUpdateFormat',
    rule: 'xlsx or csv',
    valid: [
      ['csv', 'csv'],
      ['xlsx', 'xlsx'],
    ],
    invalid: ['pdf'],
  },
  ...['apiDlrUrl', 'apiMoUrl', 'restDlrUrl', 'restMoUrl'].map(
    (field): Rule => ({
      field,
      rule: 'absolute http(s) URL with a public host, no credentials, ≤ 2048 chars',
      valid: [
        ['https://hooks.example.com/sms/dlr?token=abc', 'https://hooks.example.com/sms/dlr?token=abc'],
        ['http://93.184.216.34:8080/mo', 'http://93.184.216.34:8080/mo'],
      ],
      invalid: [
        'javascript:alert(1)',
        'file:///etc/passwd',
        'ftp://example.com/dlr',
        'data:text/html,<b>x</b>',
        'https://user:password@example.com/dlr',
        'https://user@example.com/dlr',
        'http://localhost:8080/dlr',
        'http://app.localhost/dlr',
        'http://127.0.0.1/dlr',
        'http://10.1.2.3/dlr',
        'http://192.168.1.10/dlr',
        'http://172.16.0.1/dlr',
        'http://169.254.169.254/latest/meta-data',
        'http://[::1]/dlr',
        'hooks.example.com/dlr',
        '/relative/path',
        `https://example.com/${long(2048)}`,
      ],
    }),
  ),
  {
    field: 'clientType',
    rule: 'company or individual',
    valid: [
      ['individual', 'individual'],
      ['company', 'company'],
    ],
    invalid: ['corporation'],
  },
  {
    field: 'invoiceDates',
    rule: 'days of the month 1–31, sorted and de-duplicated',
    valid: [
      ['15, 1,15', '1, 15'],
      ['31', '31'],
      ['5,10, 20 ,25', '5, 10, 20, 25'],
    ],
    invalid: ['a,b', '1, 32', '0', '15, x', '1.5', '-1'],
  },
  {
    field: 'comments',
    rule: 'at most 10000 characters',
    valid: [[long(10000), long(10000)]],
    invalid: [long(10001)],
  },
]

describe('each field rule, on create and on edit', () => {
  for (const { field, rule, valid, invalid, with: extra = {} } of rules) {
    test(`${field}: ${rule}`, async () => {
      for (const [input, expected] of valid) {
        const overrides = { ...extra, [field]: input }
        // A password is also checked against its confirmation.
        if (field === 'password') overrides.passwordConfirmation = input
        const { params } = await createOk(overrides)
        if (expected !== undefined) assert.deepEqual(params[field], expected, `${field} ${JSON.stringify(input)} is shown as ${JSON.stringify(expected)}`)
      }
      for (const input of invalid) {
        const overrides = { ...extra, [field]: input }
        if (field === 'password') overrides.passwordConfirmation = input
        await createRefused(field, overrides)
      }
      // The same rule holds on edit: the first invalid value is refused and the row is unchanged.
      const id = await makeClient()
      const payload = { ...extra, [field]: invalid[0] }
      if (field === 'password') payload.passwordConfirmation = invalid[0]
      await editRefused(id, field, payload)
    })
  }

  test('login: unique case-insensitively (Acme and acme clash), error on login', async () => {
    const login = `Acme-${Date.now().toString(36)}`
    await createOk({ login })
    const message = await createRefused('login', { login: login.toLowerCase() })
    assert.match(message, /taken|exists|unique|use/i)
    await createRefused('login', { login: login.toUpperCase() })
    await createRefused('login', { login })
    // Renaming another client to the same login in a different case is refused too.
    const other = await makeClient()
    await editRefused(other, 'login', { login: login.toLowerCase() })
  })

  test('passwordConfirmation: must equal the password, error on the confirmation', async () => {
    await createRefused('passwordConfirmation', { password: 'secret-password-1', passwordConfirmation: 'secret-password-2' })
    await createRefused('passwordConfirmation', { password: 'secret-password-1', passwordConfirmation: '' })
    const body = (await postNew(form({ password: 'secret-password-1', passwordConfirmation: 'Secret-password-1' }))).body as Body
    assert.equal(body.record?.errors?.password, undefined, 'the password itself is fine')
  })

  test('password: required on create', async () => {
    await createRefused('password', { password: '', passwordConfirmation: '' })
    const payload = form()
    delete payload.password
    delete payload.passwordConfirmation
    const before = await t.models.Client.count()
    assertFieldError(await postNew(payload), 'password')
    assert.equal(await t.models.Client.count(), before)
  })

  test('managerId: required, must exist and be active', async () => {
    const payload = form()
    delete payload.managerId
    const before = await t.models.Client.count()
    assertFieldError(await postNew(payload), 'managerId', '(no managerId)')
    assert.equal(await t.models.Client.count(), before)
    await createRefused('managerId', { managerId: '' })
    await createRefused('managerId', { managerId: '999999' })
    await createRefused('managerId', { managerId: 'abc' })
    const { params } = await createOk({ managerId: String(t.ids.manager2) })
    assert.equal(params.managerId, t.ids.manager2)
    // An edit cannot empty the Manager either.
    await editRefused(await makeClient(), 'managerId', { managerId: '' })
  })

  test('required fields: login and e-mail must be given and cannot be emptied', async () => {
    for (const field of ['login', 'email']) {
      const payload = form()
      delete payload[field]
      const before = await t.models.Client.count()
      assertFieldError(await postNew(payload), field, `(no ${field})`)
      assert.equal(await t.models.Client.count(), before)
    }
    await createRefused('login', { login: '' })
    await createRefused('email', { email: '' })
    await editRefused(await makeClient(), 'login', { login: '' })
    await editRefused(await makeClient(), 'email', { email: '   ' })
  })

  test('dispatchFrom/dispatchTo: HH:MM, both or neither, from ≠ to, overnight allowed', async () => {
    const day = await createOk({ dispatchFrom: '09:00', dispatchTo: '18:30' })
    assert.equal(day.params.dispatchFrom, '09:00')
    assert.equal(day.params.dispatchTo, '18:30')
    const night = await createOk({ dispatchFrom: '22:00', dispatchTo: '06:00' })
    assert.equal(night.params.dispatchFrom, '22:00', 'a window over midnight is kept as entered')
    assert.equal(night.params.dispatchTo, '06:00')
    const none = await createOk({ dispatchFrom: '', dispatchTo: '' })
    assert.equal(none.params.dispatchFrom ?? null, null)
    assert.equal(none.params.dispatchTo ?? null, null)

    const errorOnEither = async (overrides: Record<string, string>) => {
      const before = await t.models.Client.count()
      const response = await postNew(form(overrides))
      assert.equal(response.status, 200, describeBody(response))
      assert.equal(response.body.notice?.type, 'error', describeBody(response))
      const errors = response.body.record?.errors ?? {}
      assert.ok(errors.dispatchFrom?.message || errors.dispatchTo?.message, `an error on the dispatch window: ${describeBody(response)}`)
      assert.equal(await t.models.Client.count(), before)
    }
    await errorOnEither({ dispatchFrom: '09:00' })
    await errorOnEither({ dispatchTo: '18:00' })
    await errorOnEither({ dispatchFrom: '09:00', dispatchTo: '' })
    await createRefused('dispatchTo', { dispatchFrom: '10:00', dispatchTo: '10:00' })
    await createRefused('dispatchFrom', { dispatchFrom: '25:00', dispatchTo: '06:00' })
    await createRefused('dispatchFrom', { dispatchFrom: '9am', dispatchTo: '06:00' })
    await createRefused('dispatchTo', { dispatchFrom: '09:00', dispatchTo: '18:60' })

    // On edit: removing one half of a stored window is refused, removing both is fine.
    const id = day.id
    const before = await rawRow(id)
    const half = await postEdit(id, { dispatchTo: '' })
    assert.equal(half.body.notice?.type, 'error', describeBody(half))
    assert.ok(half.body.record.errors.dispatchFrom || half.body.record.errors.dispatchTo, describeBody(half))
    assert.deepEqual(await rawRow(id), before)
    await editRefused(id, 'dispatchTo', { dispatchFrom: '12:00', dispatchTo: '12:00' })
    const cleared = await postEdit(id, { dispatchFrom: '', dispatchTo: '' })
    assert.equal(cleared.body.notice?.type, 'success', describeBody(cleared))
    const params = await shown(id)
    assert.equal(params.dispatchFrom ?? null, null)
    assert.equal(params.dispatchTo ?? null, null)
  })

  test('invoiceDates: "15, 1,15" is stored as [1, 15] and shown as "1, 15"; a bad entry is named', async () => {
    const { id, params } = await createOk({ invoiceDates: '15, 1,15' })
    assert.equal(params.invoiceDates, '1, 15')
    assert.deepEqual((await rawRow(id)).invoiceDates, [1, 15])
    assert.match(await createRefused('invoiceDates', { invoiceDates: '1, 32' }), /32/)
    assert.match(await createRefused('invoiceDates', { invoiceDates: '1, x7, 15' }), /x7/)
    assert.match(await createRefused('invoiceDates', { invoiceDates: 'a,b' }), /"?a"?/)
    const empty = await createOk({ invoiceDates: '' })
    assert.equal(empty.params.invoiceDates ?? null, null)
  })

  test('comments: stored and returned exactly as typed (plain text, never HTML)', async () => {
    const text = '<b>VIP</b> <script>alert("x")</script>\nSecond line & "quotes" \u00e9'
    const { id, params } = await createOk({ comments: text })
    assert.equal(params.comments, text, 'not stripped, escaped or rendered')
    assert.equal((await rawRow(id)).comments, text)
    // The show page uses the plain-text component for it, not a rich-text/HTML one.
    const comments = (await pageResource(admin, 'Client')).properties.comments
    assert.notEqual(comments.type, 'richtext')
    assert.ok(comments.components?.show, 'a dedicated plain-text show component')
  })

  test('productId: an active product can be chosen; inactive or unknown products are refused', async () => {
    const { params } = await createOk({ productId: String(t.ids.productActive) })
    assert.equal(params.productId, t.ids.productActive)
    await createRefused('productId', { productId: String(t.ids.productInactive) })
    await createRefused('productId', { productId: '999999' })
    await createRefused('productId', { productId: 'premium' })
    const none = await createOk({ productId: '' })
    assert.equal(none.params.productId ?? null, null)
    await editRefused(await makeClient(), 'productId', { productId: String(t.ids.productInactive) })
  })

  test('defaults apply when optional fields are left out', async () => {
    const payload = form()
    for (const field of ['moderation', 'timezone', 'deliveryStatus', 'clientType']) delete payload[field]
    const response = await postNew(payload)
    assert.equal(response.body.notice?.type, 'success', describeBody(response))
    const params = await shown(Number(response.body.record.id))
    assert.equal(params.moderation, 'manual')
    assert.equal(params.timezone, 'UTC')
    assert.equal(params.deliveryStatus, 'active')
    assert.equal(params.clientType, 'company')
    assert.equal(params.allowCredit, '0.00')
    assert.equal(params.allowOverdraw, '0.00')
    assert.equal(params.smsPriority, 0)
    assert.equal(params.dlrWaitDays, 3)
    assert.equal(params.priceUpdateFormat, 'xlsx')
    assert.equal(params.canSendWeb, true)
    for (const flag of ['disableBlacklist', 'dynamicSender', 'moViaSmpp', 'dailyStatsMailing', 'canSendSmpp', 'canSendApi', 'canSendRestApi', 'canAddSubaccount', 'sendStats', 'sendInvoices', 'sendToEmail']) {
      assert.equal(params[flag], false, flag)
    }
    assert.equal(params.notificationLimit ?? null, null)
    assert.equal(params.currency ?? null, null)
  })

  test('booleans: "true" and "false" from the form are stored as such', async () => {
    const { id, params } = await createOk({ canSendSmpp: 'true', canSendWeb: 'false', sendInvoices: 'true' })
    assert.equal(params.canSendSmpp, true)
    assert.equal(params.canSendWeb, false)
    assert.equal(params.sendInvoices, true)
    const response = await postEdit(id, { canSendSmpp: 'false', canSendWeb: 'true' })
    assert.equal(response.body.notice?.type, 'success', describeBody(response))
    const edited = await shown(id)
    assert.equal(edited.canSendSmpp, false)
    assert.equal(edited.canSendWeb, true)
  })
})

describe('webhook URLs to private hosts when the operator allows them', () => {
  test('with allowPrivateWebhookHosts, localhost and private IPs are accepted; other URL rules still hold', async () => {
    const permissive = await startTestApp({ allowPrivateWebhookHosts: true })
    try {
      const agent = await permissive.loginAs('admin@example.com')
      const payload = validClientForm({
        managerId: String(permissive.ids.manager1),
        apiDlrUrl: 'http://localhost:8080/dlr',
        apiMoUrl: 'http://10.0.0.5/mo',
        restDlrUrl: 'http://192.168.1.10/dlr',
        restMoUrl: 'http://127.0.0.1:9000/mo',
      })
      const response = await agent.post(api.new('Client')).type('form').send(payload)
      assert.equal(response.body.notice?.type, 'success', describeBody(response))
      const refused = await agent
        .post(api.new('Client'))
        .type('form')
        .send(validClientForm({ managerId: String(permissive.ids.manager1), apiDlrUrl: 'javascript:alert(1)' }))
      assertFieldError(refused, 'apiDlrUrl')
    } finally {
      await permissive.close()
    }
  })
})

// ---------------------------------------------------------------------------------------------
// Currency: read-only once set, whoever writes.

describe('currency is read-only once set', () => {
  let id: number

  before(async () => {
    id = (await createOk({ currency: 'EUR' })).id
  })

  const currencyOf = async (clientId = id) => (await rawRow(clientId)).currency

  test('set on create', async () => {
    assert.equal(await currencyOf(), 'EUR')
    assert.equal((await shown(id)).currency, 'EUR')
  })

  test('a change through the edit API is refused on the currency field', async () => {
    await editRefused(id, 'currency', { currency: 'USD' })
    await editRefused(id, 'currency', { currency: 'USD', company: 'Changed along' })
    assert.equal(await currencyOf(), 'EUR')
  })

  test('clearing it through the edit API is refused', async () => {
    await editRefused(id, 'currency', { currency: '' })
    assert.equal(await currencyOf(), 'EUR')
  })

  test('re-posting the same currency with other changes is fine', async () => {
    const response = await postEdit(id, { currency: 'EUR', company: 'Same currency Ltd' })
    assert.equal(response.body.notice?.type, 'success', describeBody(response))
    assert.equal(await currencyOf(), 'EUR')
    assert.equal((await rawRow(id)).company, 'Same currency Ltd')
  })

  test('static Model.update is refused, with and without individualHooks', async () => {
    await assert.rejects(t.models.Client.update({ currency: 'USD' }, { where: { id } }))
    assert.equal(await currencyOf(), 'EUR')
    await assert.rejects(t.models.Client.update({ currency: 'USD' }, { where: { id }, individualHooks: true }))
    assert.equal(await currencyOf(), 'EUR')
    await assert.rejects(t.models.Client.update({ currency: null }, { where: { id } }))
    assert.equal(await currencyOf(), 'EUR')
  })

  test('instance.save() is refused', async () => {
    const row = await t.models.Client.findByPk(id)
    row!.set('currency', 'USD')
    await assert.rejects(row!.save())
    assert.equal(await currencyOf(), 'EUR')
    const again = await t.models.Client.findByPk(id)
    await assert.rejects(again!.update({ currency: 'GBP' }))
    assert.equal(await currencyOf(), 'EUR')
  })

  test('bulkCreate with updateOnDuplicate is refused', async () => {
    const current = await rawRow(id)
    await assert.rejects(
      t.models.Client.bulkCreate(
        [
          {
            id,
            login: current.login,
            password: 'secret-password-1',
            passwordConfirmation: 'secret-password-1',
            managerId: current.managerId,
            email: current.email,
            currency: 'USD',
          },
        ],
        { updateOnDuplicate: ['currency'] },
      ),
    )
    assert.equal(await currencyOf(), 'EUR')
  })

  test('raw SQL UPDATE is refused by the database', async () => {
    await assert.rejects(t.db.sequelize.query(`UPDATE clients SET currency = 'USD' WHERE id = ${id}`), /currency/i)
    await assert.rejects(t.db.sequelize.query(`UPDATE clients SET currency = NULL WHERE id = ${id}`), /currency/i)
    assert.equal(await currencyOf(), 'EUR')
  })

  test('a first-time set works: created without currency, then edited to EUR, then locked', async () => {
    const fresh = await createOk()
    assert.equal(fresh.params.currency ?? null, null)
    // Other edits while it is still empty leave it empty.
    const other = await postEdit(fresh.id, { company: 'No currency yet', currency: '' })
    assert.equal(other.body.notice?.type, 'success', describeBody(other))
    assert.equal(await currencyOf(fresh.id), null)
    const response = await postEdit(fresh.id, { currency: 'EUR' })
    assert.equal(response.body.notice?.type, 'success', describeBody(response))
    assert.equal(await currencyOf(fresh.id), 'EUR')
    assert.equal((await shown(fresh.id)).currency, 'EUR')
    await editRefused(fresh.id, 'currency', { currency: 'USD' })
    // A script may also set it once.
    const scripted = await makeClient()
    await t.models.Client.update({ currency: 'GBP' }, { where: { id: scripted } })
    assert.equal(await currencyOf(scripted), 'GBP')
  })
})

// ---------------------------------------------------------------------------------------------
// Password: hashed, never returned, blank on edit keeps it.

describe('password', () => {
  const plaintext = 'Plain-Text-Secret-42'
  let id: number
  let login: string

  const assertNoSecrets = (response: request.Response, where: string, extra: string[] = []) => {
    assert.equal(response.status, 200, `${where}: ${describeBody(response)}`)
    const text = JSON.stringify(response.body)
    for (const secret of ['passwordHash', '$2b$', '$2a$', plaintext, ...extra]) {
      assert.ok(!text.includes(secret), `${where} must not contain ${JSON.stringify(secret)}`)
    }
    const params = (response.body as Body).record?.params ?? {}
    assert.equal(params.password, undefined, `${where}: no password param`)
    assert.equal(params.passwordConfirmation, undefined, `${where}: no passwordConfirmation param`)
  }

  before(async () => {
    login = `pw-client-${Date.now().toString(36)}`
    const response = await postNew(form({ login, password: plaintext, passwordConfirmation: plaintext }))
    assert.equal(response.body.notice?.type, 'success', describeBody(response))
    id = Number(response.body.record.id)
    assertNoSecrets(response, 'new POST response')
  })

  const hashOf = async (clientId = id) => String((await rawRow(clientId)).passwordHash)

  test('only a bcrypt hash is stored', async () => {
    const hash = await hashOf()
    assert.match(hash, /^\$2[aby]?\$/)
    assert.ok(await bcrypt.compare(plaintext, hash))
    const [rows] = await t.db.sequelize.query(`SELECT * FROM clients WHERE id = ${id}`)
    assert.ok(!JSON.stringify(rows).includes(plaintext), 'the plaintext is in no column')
  })

  test('never returned by list, show, edit GET, search or an edit POST', async () => {
    const hash = await hashOf()
    assertNoSecrets(await admin.get(api.list('Client')).query({ perPage: 500 }), 'list', [hash])
    assertNoSecrets(await admin.get(api.list('Client')).query({ 'filters.login': login }), 'filtered list', [hash])
    assertNoSecrets(await admin.get(api.record('Client', id, 'show')), 'show', [hash])
    assertNoSecrets(await admin.get(api.record('Client', id, 'edit')), 'edit GET', [hash])
    const search = await admin.get(api.search('Client', login))
    assertNoSecrets(search, 'search', [hash])
    assert.equal(search.body.records.length, 1)
    assertNoSecrets(await postEdit(id, { company: 'Echo test', password: '', passwordConfirmation: '' }), 'edit POST', [hash])
  })

  test('refused responses do not echo the submitted password either', async () => {
    const refused = await postNew(form({ password: plaintext, passwordConfirmation: `${plaintext}-typo`, login: 'x' }))
    assertFieldError(refused, 'passwordConfirmation')
    assertNoSecrets(refused, 'refused new POST', [`${plaintext}-typo`])
    const refusedEdit = await postEdit(id, { password: plaintext, passwordConfirmation: `${plaintext}-typo` })
    assertFieldError(refusedEdit, 'passwordConfirmation')
    assertNoSecrets(refusedEdit, 'refused edit POST', [`${plaintext}-typo`])
  })

  test('a mismatched confirmation is refused on passwordConfirmation', async () => {
    await createRefused('passwordConfirmation', { password: 'secret-password-1', passwordConfirmation: 'secret-password-9' })
  })

  test('a blank password on edit keeps the old hash', async () => {
    const before = await hashOf()
    const response = await postEdit(id, { password: '', passwordConfirmation: '', contactName: 'Kept Password' })
    assert.equal(response.body.notice?.type, 'success', describeBody(response))
    assert.equal(await hashOf(), before)
    assert.equal((await rawRow(id)).contactName, 'Kept Password')
    // Leaving the fields out altogether keeps it too.
    const omitted = await postEdit(id, { contactName: 'Still kept' })
    assert.equal(omitted.body.notice?.type, 'success', describeBody(omitted))
    assert.equal(await hashOf(), before)
  })

  test('a new password on edit changes the hash; a bad one is refused and keeps it', async () => {
    const before = await hashOf()
    await editRefused(id, 'passwordConfirmation', { password: 'brand-new-password', passwordConfirmation: 'brand-new-passw0rd' })
    await editRefused(id, 'password', { password: 'too-short', passwordConfirmation: 'too-short' })
    assert.equal(await hashOf(), before)
    const next = 'brand-new-password'
    const response = await postEdit(id, { password: next, passwordConfirmation: next })
    assert.equal(response.body.notice?.type, 'success', describeBody(response))
    assertNoSecrets(response, 'edit POST with a new password', [next, before])
    const after = await hashOf()
    assert.notEqual(after, before)
    assert.match(after, /^\$2[aby]?\$/)
    assert.ok(await bcrypt.compare(next, after))
    assert.ok(!(await bcrypt.compare(plaintext, after)))
  })
})

// ---------------------------------------------------------------------------------------------
// What the form sends for emptied fields.

describe("emptied fields ('' from the form)", () => {
  test("notificationLimit '' stores null, not 0 (create and edit)", async () => {
    const { id, params } = await createOk({ notificationLimit: '' })
    assert.equal(params.notificationLimit ?? null, null)
    assert.equal((await rawRow(id)).notificationLimit, null)
    const set = await postEdit(id, { notificationLimit: '250' })
    assert.equal(set.body.notice?.type, 'success', describeBody(set))
    assert.equal((await rawRow(id)).notificationLimit, 250)
    const cleared = await postEdit(id, { notificationLimit: '' })
    assert.equal(cleared.body.notice?.type, 'success', describeBody(cleared))
    assert.equal((await rawRow(id)).notificationLimit, null)
  })

  test("'' for a field with a default uses the default, never 0 or an error", async () => {
    const { id, params } = await createOk({ dlrWaitDays: '', smsPriority: '', allowCredit: '', allowOverdraw: '', priceUpdateFormat: '' })
    assert.equal(params.dlrWaitDays, 3)
    assert.equal(params.smsPriority, 0)
    assert.equal(params.allowCredit, '0.00')
    assert.equal(params.allowOverdraw, '0.00')
    assert.equal(params.priceUpdateFormat, 'xlsx')
    const response = await postEdit(id, { dlrWaitDays: '', company: 'Edited with blanks' })
    assert.equal(response.body.notice?.type, 'success', describeBody(response))
    assert.equal((await rawRow(id)).dlrWaitDays, 3)
  })

  test("'' for optional text fields stores null", async () => {
    const { id } = await createOk({ company: '', phone: '', country: '', telegram: '', apiDlrUrl: '', billingEmail: '', comments: '' })
    const row = await rawRow(id)
    for (const field of ['company', 'phone', 'country', 'telegram', 'apiDlrUrl', 'billingEmail', 'comments']) {
      assert.equal(row[field], null, field)
    }
  })
})

// ---------------------------------------------------------------------------------------------
// Mass assignment.

describe('mass assignment', () => {
  const fakeHash = '$2b$04$abcdefghijklmnopqrstuuPTuvLy5KzJc3W3dJ5v2e1W0w0yB6bS.'

  test('passwordHash, id and timestamps posted on new have no effect', async () => {
    const startedAt = Date.now()
    const response = await postNew(
      form({ passwordHash: fakeHash, password_hash: fakeHash, id: '999', createdAt: '2000-01-01T00:00:00.000Z', updatedAt: '2000-01-01T00:00:00.000Z' }),
    )
    assert.equal(response.status, 200)
    assert.equal(response.body.notice?.type, 'success', describeBody(response))
    const id = Number(response.body.record.id)
    assert.notEqual(id, 999)
    assert.equal(await t.models.Client.findByPk(999), null)
    const row = await rawRow(id)
    assert.notEqual(row.passwordHash, fakeHash)
    assert.ok(await bcrypt.compare('secret-password-1', String(row.passwordHash)))
    assert.ok(new Date(row.createdAt as string).getTime() >= startedAt - 60_000, 'createdAt is now, not 2000')
    assert.ok(new Date(row.updatedAt as string).getTime() >= startedAt - 60_000)
  })

  test('passwordHash, id and timestamps posted on edit have no effect', async () => {
    // A bystander with id 999: an edit of another client that posts id=999 must not touch it.
    const bystander = (await t.models.Client.findByPk(999)) ? 999 : await makeClient({ id: 999, company: 'Bystander' })
    assert.equal(bystander, 999)
    const bystanderBefore = await rawRow(999)
    const id = await makeClient()
    const before = await rawRow(id)
    const response = await postEdit(id, {
      passwordHash: fakeHash,
      password_hash: fakeHash,
      id: '999',
      createdAt: '2000-01-01T00:00:00.000Z',
      company: 'Mass assignment check',
    })
    assert.equal(response.status, 200)
    assert.equal(response.body.notice?.type, 'success', describeBody(response))
    assert.deepEqual(await rawRow(999), bystanderBefore, 'the client with id 999 is untouched')
    const row = await rawRow(id)
    assert.equal(row.id, id)
    assert.equal(row.passwordHash, before.passwordHash)
    assert.equal(new Date(row.createdAt as string).getTime(), new Date(before.createdAt as string).getTime())
    assert.equal(row.company, 'Mass assignment check', 'the posted change went to the record in the URL')
    assert.equal(Number(response.body.record?.params?.id), id, 'the response is about the edited record')
  })

  test('passwordHash and timestamps alone posted on edit have no effect', async () => {
    const id = await makeClient()
    const before = await rawRow(id)
    const response = await postEdit(id, { passwordHash: fakeHash, createdAt: '2000-01-01T00:00:00.000Z', company: 'Hash check' })
    assert.equal(response.body.notice?.type, 'success', describeBody(response))
    const row = await rawRow(id)
    assert.equal(row.passwordHash, before.passwordHash)
    assert.equal(new Date(row.createdAt as string).getTime(), new Date(before.createdAt as string).getTime())
    assert.equal(row.company, 'Hash check')
  })
})

// ---------------------------------------------------------------------------------------------
// Garbage in: a field error with HTTP 200, never a 500.

describe('no 500s on garbage input', () => {
  const garbage: [string, string][] = [
    ['smsPriority', 'abc'],
    ['smsPriority', '99999999999999999999'],
    ['allowCredit', '1e999'],
    ['allowCredit', '-1e999'],
    ['allowOverdraw', '0x10'],
    ['invoiceDates', 'a,b'],
    ['invoiceDates', '1,2,3,,,999999999999'],
    ['notificationLimit', '1e999'],
    ['notificationLimit', '99999999999'],
    ['dlrWaitDays', 'NaN'],
    ['managerId', 'abc'],
    ['managerId', '99999999999'],
    ['productId', '-1'],
    ['productId', '99999999999'],
    ['dispatchFrom', '99:99'],
    ['timezone', '../../etc/passwd'],
    ['phone', '+'],
    ['country', '🇩🇪'],
    ['currency', "E'R"],
  ]

  for (const [field, value] of garbage) {
    test(`${field}=${JSON.stringify(value)} → field error, HTTP 200`, async () => {
      const extra: Record<string, string> = field === 'dispatchFrom' ? { dispatchTo: '06:00' } : {}
      await createRefused(field, { ...extra, [field]: value })
      await editRefused(await makeClient(), field, { ...extra, [field]: value })
    })
  }
})
