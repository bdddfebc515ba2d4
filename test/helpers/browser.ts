import assert from 'node:assert/strict'
import { once } from 'node:events'
import { mkdirSync } from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { chromium, type Browser, type Page } from 'playwright-core'
import type { AppConfig } from '../../src/config/env.js'
import { PASSWORD, startTestApp, type TestApp } from './harness.js'

// The browser tests' common ground: the app started in this process and Debian's Chromium driven by
// playwright-core, pages that collect what goes wrong in them, and journeys that fail on it.

export const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots', import.meta.url))
export const VIEWPORT = { width: 1400, height: 1000 }
const WAIT = 30_000 // generous: the first page load bundles the custom components

/** What counts as a problem on a watched page; everything does unless a file says otherwise. */
export type Watch = {
  /** `{ except }`: console errors the page logs on purpose (a refusal it shows, say) are not problems. */
  consoleErrors?: boolean | { except: RegExp }
  failedRequests?: boolean
  /** Requests to any host but this server (data: and blob: URLs aside). */
  foreignRequests?: boolean
  /** Answers with a 5xx status. */
  serverErrors?: boolean
}

export type BrowserSuiteOptions = {
  /** Overrides of the test app's configuration. */
  config?: Partial<AppConfig>
  watch?: Watch
  /** The pages' default timeout. */
  wait?: number
  journeyTimeout?: number
  /** What the page showed, added to a failed journey's message. */
  shown?: (page: Page) => Promise<unknown>
}

export type BrowserSession = { t: TestApp; base: string; page: Page }

/**
 * One test file's browser set-up, made when the file loads (journeys are declared then) and started
 * in its `before` hook. `problems` collects what went wrong on every page it opened; a journey
 * empties it first and fails unless it is still empty at the end.
 */
export function browserSuite(options: BrowserSuiteOptions = {}) {
  const watch = { consoleErrors: true, failedRequests: true, foreignRequests: true, serverErrors: true, ...options.watch }
  const wait = options.wait ?? WAIT
  const problems: string[] = []
  let t: TestApp | undefined
  let server: Server | undefined
  let browser: Browser | undefined
  let session: BrowserSession | undefined
  const notStarted = () => assert.fail('the browser suite is not started: call start() in a before hook')
  const started = () => session ?? notStarted()

  function watchPage(page: Page, label = '') {
    const report = (problem: string) => problems.push(label ? `${label}: ${problem}` : problem)
    page.setDefaultTimeout(wait)
    page.on('console', (message) => {
      const { consoleErrors } = watch
      if (message.type() !== 'error' || !consoleErrors) return
      if (typeof consoleErrors === 'object' && consoleErrors.except.test(message.text())) return
      report(`console error: ${message.text()} (${message.location().url})`)
    })
    page.on('pageerror', (error) => report(`page error: ${error.message}`))
    if (watch.failedRequests) {
      page.on('requestfailed', (request) => {
        // ERR_ABORTED is the page cancelling its own request, as a navigation does with the fetches
        // still under way (a client page's related list and history when the test leaves it at once);
        // a server that fails shows as a reset, an empty answer or an HTTP error instead.
        if (request.failure()?.errorText === 'net::ERR_ABORTED') return
        report(`request failed: ${request.method()} ${request.url()} (${request.failure()?.errorText})`)
      })
    }
    if (watch.foreignRequests) {
      page.on('request', (request) => {
        const url = new URL(request.url())
        if (url.protocol === 'data:' || url.protocol === 'blob:') return
        if (!['127.0.0.1', 'localhost'].includes(url.hostname)) report(`request to a foreign host: ${request.method()} ${request.url()}`)
      })
    }
    if (watch.serverErrors) {
      page.on('response', (response) => {
        if (response.status() >= 500) report(`server error: ${response.status()} ${response.request().method()} ${response.url()}`)
      })
    }
    return page
  }

  /** A watched page in a browser context (cookies, session) of its own; `label` marks its problems. */
  async function newPage(label?: string): Promise<Page> {
    const context = await (browser ?? notStarted()).newContext({ viewport: VIEWPORT })
    return watchPage(await context.newPage(), label)
  }

  /** Starts the app on a free port, the browser, and a first page. */
  async function start(): Promise<BrowserSession> {
    mkdirSync(SCREENSHOTS, { recursive: true })
    t = await startTestApp(options.config)
    server = t.app.listen(0)
    await once(server, 'listening')
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    })
    session = { t, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/admin`, page: await newPage() }
    return session
  }

  async function close() {
    await browser?.close()
    await new Promise((resolve) => server?.close(resolve))
    await t?.close()
  }

  /** Through the login form, as a person would; the file waits for where it leads. */
  async function logIn(page: Page, email: string, password = PASSWORD) {
    await page.context().clearCookies()
    await page.goto(`${started().base}/login`, { waitUntil: 'domcontentloaded' })
    await page.locator('input[name=email]').fill(email)
    await page.locator('input[name=password]').fill(password)
    await page.getByRole('button', { name: 'Log in' }).click()
  }

  /** Logs the page's browser context in with a POST of the login form, without loading the panel. */
  async function logInDirectly(page: Page, email: string) {
    await page.context().clearCookies()
    const response = await page.request.post(`${started().base}/login`, { form: { email, password: PASSWORD }, maxRedirects: 0 })
    assert.equal(response.status(), 302, `log in as ${email}`)
  }

  /**
   * A test on the suite's first page: fails on its own assertions and on any problem the pages
   * report, late ones of its last step included. On a failure a screenshot of the moment goes to
   * the OS temp dir, and the URL, what the page showed and the problems go into the message.
   */
  function journey(name: string, body: (page: Page) => Promise<void>) {
    return test(name, { timeout: options.journeyTimeout ?? 120_000 }, async () => {
      const { page } = started()
      problems.length = 0
      try {
        await body(page)
      } catch (error) {
        const file = path.join(tmpdir(), `e2e-failed-${name.toLowerCase().replace(/\W+/g, '-').slice(0, 60)}.png`)
        await page.screenshot({ path: file }).catch(() => undefined)
        const shown = options.shown ? `\n  shown: ${JSON.stringify(await options.shown(page).catch(() => ({})))}` : ''
        if (error instanceof Error) error.message += `\n  at ${page.url()}\n  screenshot: ${file}${shown}\n  browser problems: ${JSON.stringify(problems)}`
        throw error
      }
      await page.waitForTimeout(300)
      assert.deepEqual(problems, [], 'no problems in the browser during the journey')
    })
  }

  return { problems, start, close, newPage, logIn, logInDirectly, journey }
}

/**
 * Waits until the page's URL matches. (page.waitForURL is avoided: when an in-app navigation has
 * already happened it falls back to waiting for a load state, which AdminJS pages do not reliably fire.)
 */
export async function waitForUrl(page: Page, pattern: RegExp, timeout = WAIT) {
  const end = Date.now() + timeout
  while (!pattern.test(page.url())) {
    if (Date.now() > end) throw new Error(`timed out waiting for a URL matching ${pattern}, still at ${page.url()}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

// AdminJS's CheckBox copies its `checked` prop into state in an effect, so the input is ticked a
// render after the click or key that ticks it (measured 2–54 ms): tests read such state eventually.
export { eventually } from './eventually.js'
