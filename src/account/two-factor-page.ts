/**
 * The server-rendered page of a login's second step (/admin/login/two-factor): a code form, or,
 * for a user who must enrol first, the QR code, the secret as text and a confirm form, then the
 * recovery codes once. Plain HTML forms, no script (CSP-safe); the QR code is a data: image.
 */
import { escapeHtml, plainPage } from './plain-page.js'

const layout = (title: string, body: string, logoutPath: string) =>
  plainPage(title, body, {
    footer: `<form method="post" action="${logoutPath}"><button type="submit" class="link">Log out</button></form>`,
  })

const errorLine = (error?: string) => (error ? `<p role="alert" class="error">${escapeHtml(error)}</p>` : '')

const codeForm = (action: string, label: string, button: string) => `<form method="post" action="${action}">
<p><label for="code">${escapeHtml(label)}</label>
<input id="code" name="code" autocomplete="one-time-code" inputmode="text" autofocus required></p>
<div class="actions"><button type="submit" class="button">${escapeHtml(button)}</button></div>
</form>`

export function codePage(paths: { action: string; logout: string }, error?: string) {
  return layout(
    'Two-factor login',
    `<p>Enter the 6-digit code from your authenticator app, or one of your recovery codes.</p>${errorLine(error)}${codeForm(paths.action, 'Code', 'Log in')}`,
    paths.logout,
  )
}

export function enrolPage(paths: { action: string; logout: string }, enrolment: { secret: string; qrDataUrl: string }, error?: string) {
  return layout(
    'Set up two-factor login',
    `<p>Your panel requires two-factor login. Scan this code with an authenticator app (or type the key), then enter the 6-digit code it shows.</p>
<p><img src="${enrolment.qrDataUrl}" alt="QR code for your authenticator app" width="220" height="220"></p>
<p>Key: <code>${escapeHtml(enrolment.secret.replace(/(.{4})/g, '$1 ').trim())}</code></p>
${errorLine(error)}${codeForm(paths.action, 'Code from the app', 'Turn on')}`,
    paths.logout,
  )
}

export function recoveryCodesPage(paths: { next: string; logout: string }, codes: string[]) {
  return layout(
    'Your recovery codes',
    `<p>Two-factor login is on. Keep these codes somewhere safe: each one logs you in once without the app. They are shown only now.</p>
<ul class="codes">${codes.map((code) => `<li>${escapeHtml(code)}</li>`).join('')}</ul>
<div class="actions"><a class="button" href="${escapeHtml(paths.next)}">Continue to the panel</a></div>`,
    paths.logout,
  )
}
