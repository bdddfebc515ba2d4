import { bcryptRounds, benchUrl, sessionSecret, twoFactorKey, userPassword } from './config.js'
import { freePort, startChild, type Child } from './processes.js'

/**
 * Production sets Secure session cookies, which express-session only sends over HTTPS. In
 * production a TLS-terminating proxy says so with X-Forwarded-Proto (TRUST_PROXY=1); the bench plays
 * that proxy: every request carries this header.
 */
export const proxyHeaders = { 'x-forwarded-proto': 'https' }

/** The heap cap the Procfile's web command starts Node with (docs/deploy.md, Memory and bulk work). */
export const productionNodeArgs = ['--max-old-space-size=320', '--max-semi-space-size=2']

/** The built server as production runs it (the Procfile, `npm run serve`), on a free port. */
export async function startApp(extraEnv: Record<string, string> = {}, nodeArgs: string[] = productionNodeArgs, entry = 'dist/src/server.js'): Promise<Child> {
  const port = await freePort()
  return startChild(
    'app',
    [process.execPath, ...nodeArgs, entry],
    {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      NODE_ENV: 'production',
      ADMIN_JS_SKIP_BUNDLE: 'true',
      SESSION_SECRET: sessionSecret,
      TWO_FACTOR_KEY: twoFactorKey,
      BCRYPT_ROUNDS: String(bcryptRounds),
      LOG_LEVEL: 'warn',
      DATABASE_URL: benchUrl,
      PORT: String(port),
      LOGIN_MAX_FAILURES: '1000',
      TRUST_PROXY: '1',
      ...extraEnv,
    },
    port,
    '/health',
  )
}

/** POST /admin/login as a browser form would; returns the session cookie (`sms_admin.sid=…`). */
export async function login(baseUrl: string, email: string, password = userPassword): Promise<string> {
  const response = await fetch(`${baseUrl}/admin/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...proxyHeaders },
    body: new URLSearchParams({ email, password }),
  })
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith('sms_admin.sid='))
  if (response.status !== 302 || !cookie) {
    throw new Error(`login as ${email} failed: HTTP ${response.status}, cookie ${cookie ? 'set' : 'missing'}\n${(await response.text()).slice(0, 500)}`)
  }
  return cookie.split(';')[0]
}
