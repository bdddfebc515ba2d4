/**
 * The client form that never loses work (issue #27), in Chromium at 1440 and 390 px: two people
 * saving one client merge instead of retyping; Save stays in view; leaving with unsaved typing asks;
 * a refused save shows a summary and focuses the first field in error; required fields are checked
 * before anything is sent, in the server's words.
 */
import assert from 'node:assert/strict'
import { after, before, describe } from 'node:test'
import type { Page } from 'playwright-core'
import { browserSuite, waitForUrl } from '../helpers/browser.js'
import { createClient, type TestApp } from '../helpers/harness.js'

const { start, close, logInDirectly, journey, newPage } = browserSuite()
let t: TestApp
let base: string
let page: Page

before(async () => {
  ;({ t, base, page } = await start())
})
after(close)

const stored = async (id: number) => (await t.models.Client.findByPk(id))!.get({ plain: true }) as Record<string, any>
const openEdit = async (on: Page, id: number) => {
  // A form left with typing in it asks before the page goes: this navigation says leave.
  const leave = (dialog: import('playwright-core').Dialog) => void (dialog.type() === 'beforeunload' ? dialog.accept() : undefined)
  on.on('dialog', leave)
  await on.goto(`${base}/resources/Client/records/${id}/edit`, { waitUntil: 'domcontentloaded' }).finally(() => on.off('dialog', leave))
  await on.locator('#company').waitFor()
}

describe('the client form', () => {
  journey('two sessions: the second save shows yours and theirs per field with who and when, and saves the merge on top', async () => {
    const id = await createClient(t, 'merge-01', { company: 'Original GmbH', allowCredit: '100.00' })
    const adminPage = await newPage('admin')
    await logInDirectly(adminPage, 'admin@example.com')
    await page.goto('about:blank')
    await logInDirectly(page, 'manager1@example.com')
    await openEdit(adminPage, id)
    await openEdit(page, id)

    await adminPage.locator('#company').fill('Admin GmbH')
    await adminPage.locator('[name=allowCredit]').fill('7000.00')
    await adminPage.getByTestId('button-save').click()
    await waitForUrl(adminPage, new RegExp(`/records/${id}/show$`))

    await page.locator('#company').fill('Manager GmbH')
    await page.locator('#skype').fill('manager.typed')
    await page.getByTestId('button-save').click()
    const merge = page.getByTestId('conflict-merge')
    await merge.waitFor()
    const company = merge.getByTestId('conflict-company')
    assert.equal(await company.getByTestId('yours').innerText(), 'Manager GmbH')
    assert.equal(await company.getByTestId('theirs').innerText(), 'Admin GmbH')
    assert.match(await company.innerText(), /by admin@example\.com/)
    assert.ok(await company.locator('time').getAttribute('title').then((title) => /UTC$/.test(title ?? '')))
    const credit = merge.getByTestId('conflict-allowCredit')
    assert.equal(await credit.getByTestId('theirs').innerText(), '7000.00')
    // What I typed is still in the form, and the field I did not touch defaults to theirs.
    assert.equal(await page.locator('#company').inputValue(), 'Manager GmbH')
    assert.equal(await page.locator('#skype').inputValue(), 'manager.typed')
    assert.equal(await company.getByRole('radio').first().isChecked(), true, 'my company is kept by default')
    assert.equal(await credit.getByRole('radio').nth(1).isChecked(), true, 'their credit is taken by default')

    await merge.getByRole('button', { name: 'Keep all of mine' }).click()
    assert.equal(await credit.getByRole('radio').first().isChecked(), true)
    await merge.getByRole('button', { name: 'Keep all of theirs' }).click()
    await company.getByRole('radio').first().check()
    await merge.getByTestId('conflict-save').click()
    await waitForUrl(page, new RegExp(`/records/${id}/show$`))
    const row = await stored(id)
    assert.equal(row.company, 'Manager GmbH')
    assert.equal(String(row.allowCredit), '7000.00')
    assert.equal(row.skype, 'manager.typed')
    await adminPage.context().close()
  })

  for (const width of [1440, 390]) {
    journey(`at ${width} px: Save stays in view; Save and continue editing stays on the form; leaving with typing asks`, async () => {
      const id = await createClient(t, `sticky-${width}`)
      await page.setViewportSize({ width, height: 800 })
      // Off the panel first: a page of the previous session would follow its logout to the login page mid-way.
      await page.goto('about:blank')
      await logInDirectly(page, 'admin@example.com')
      await openEdit(page, id)
      const bar = page.getByTestId('form-actions')
      const inView = async () => {
        const box = await bar.boundingBox()
        return Boolean(box && box.y >= 0 && box.y + box.height <= 800 + 1)
      }
      assert.ok(await inView(), 'the Save bar is in view at the top of the form')
      await page.locator('#company').fill(`Continue ${width}`)
      await page.getByTestId('button-save-continue').click()
      await page.getByText('Unsaved changes').waitFor({ state: 'detached' })
      assert.match(page.url(), new RegExp(`/records/${id}/edit$`))
      assert.equal((await stored(id)).company, `Continue ${width}`)
      // A second save from the same form is on top of the first (no conflict with myself).
      await page.locator('#company').fill(`Again ${width}`)
      await page.getByTestId('button-save-continue').click()
      await page.getByText('Unsaved changes').waitFor({ state: 'detached' })
      assert.equal((await stored(id)).company, `Again ${width}`)

      // A value the server writes its own way is told, not changed silently.
      if (width === 1440) {
        await page.locator('#telegram').fill('@janetester')
        await page.getByTestId('button-save-continue').click()
        await page.getByTestId('normalized').getByText('Telegram: saved as "janetester" (you typed "@janetester")').waitFor()
        // And under the field itself.
        await page.getByTestId('property-edit-telegram').getByTestId('normalized-telegram').getByText('Saved as "janetester" (you typed "@janetester")').waitFor()
        assert.equal((await stored(id)).telegram, 'janetester')
      }

      // Typing, then a link elsewhere: asked; staying keeps the typing; leaving goes.
      await page.locator('#skype').fill('unsaved.typing')
      const questions: string[] = []
      page.once('dialog', (dialog) => {
        questions.push(dialog.message())
        void dialog.dismiss()
      })
      await page.locator(`a[href="/admin"]`).first().dispatchEvent('click', { button: 0 })
      assert.deepEqual(questions, ['You have unsaved changes. Leave this page and lose them?'])
      assert.match(page.url(), new RegExp(`/records/${id}/edit$`))
      assert.equal(await page.locator('#skype').inputValue(), 'unsaved.typing')

      // Back: asked too, and staying keeps the typing.
      page.once('dialog', (dialog) => {
        questions.push(dialog.type())
        void dialog.dismiss()
      })
      await page.goBack({ waitUntil: 'commit' }).catch(() => undefined)
      await page.waitForTimeout(300)
      assert.equal(questions[1], 'confirm')
      assert.match(page.url(), new RegExp(`/records/${id}/edit$`))
      assert.equal(await page.locator('#skype').inputValue(), 'unsaved.typing')

      // Reload: the browser's own "leave site?" question.
      page.once('dialog', (dialog) => {
        questions.push(dialog.type())
        void dialog.dismiss()
      })
      await page.reload({ waitUntil: 'commit', timeout: 3000 }).catch(() => undefined)
      await page.waitForTimeout(300)
      assert.equal(questions[2], 'beforeunload')
      assert.equal(await page.locator('#skype').inputValue(), 'unsaved.typing')

      page.once('dialog', (dialog) => void dialog.accept())
      await page.locator(`a[href="/admin"]`).first().dispatchEvent('click', { button: 0 })
      await waitForUrl(page, /\/admin\/?$/)
      await page.setViewportSize({ width: 1400, height: 1000 })
    })
  }

  journey('an empty required field is reported before sending, in the server words; a refused save lists its errors and focuses the first', async () => {
    const id = await createClient(t, 'required-01')
    await page.goto('about:blank')
    await logInDirectly(page, 'admin@example.com')
    await openEdit(page, id)
    let posted = 0
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().includes('/edit')) posted++
    })
    await page.locator('#login').fill('')
    await page.getByTestId('button-save').click()
    const summary = page.getByTestId('error-summary')
    await summary.waitFor()
    assert.match(await summary.innerText(), /Login: Login is required/)
    await page.getByTestId('property-edit-login').getByText('Login is required', { exact: true }).waitFor()
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'login', 'the first field in error has the focus')
    assert.equal(posted, 0, 'nothing was sent')

    // A rule only the server knows: the summary lists it, the field far down gets the focus.
    await page.locator('#login').fill('required-01')
    await page.locator('#email').fill('not-an-e-mail')
    await page.getByTestId('button-save').click()
    await summary.getByText(/e-mail address/).waitFor()
    assert.match(await summary.innerText(), /E-mail: Must be a valid e-mail address/)
    assert.doesNotMatch(await summary.innerText(), /Login is required/, 'the summary is of this save')
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'email')
    assert.equal(posted, 1)
  })
})
