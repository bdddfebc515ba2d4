/**
 * The server-rendered page of a login's second step (/admin/login/two-factor): a code form, or,
 * for a user who must enrol first, the QR code, the secret as text and a confirm form, then the
 * recovery codes once. Plain HTML forms, no script (CSP-safe); the QR code is a data: image.
 */

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!)

const layout = (title: string, body: string, logoutPath: string) => `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title></head>
<body style="font-family: Roboto, Arial, sans-serif; margin: 4rem auto; max-width: 30rem; color: #1C1C38; padding: 0 1rem">
<h1 style="font-size: 1.4rem">${escapeHtml(title)}</h1>
${body}
<form method="post" action="${logoutPath}" style="margin-top: 2rem"><button type="submit" style="background: none; border: none; color: #3040D6; cursor: pointer; padding: 0">Log out</button></form>
</body></html>`

const errorLine = (error?: string) => (error ? `<p role="alert" style="color: #C20012">${escapeHtml(error)}</p>` : '')

const codeForm = (action: string, label: string, button: string) => `<form method="post" action="${action}">
<p><label for="code">${escapeHtml(label)}</label><br>
<input id="code" name="code" autocomplete="one-time-code" autofocus required style="font-size: 1.2rem; padding: .4rem; width: 14rem; margin-top: .3rem"></p>
<p><button type="submit" style="padding: .5rem 1.5rem">${escapeHtml(button)}</button></p>
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
<p>Key: <code style="font-size: 1.1rem; letter-spacing: .1em">${escapeHtml(enrolment.secret.replace(/(.{4})/g, '$1 ').trim())}</code></p>
${errorLine(error)}${codeForm(paths.action, 'Code from the app', 'Turn on')}`,
    paths.logout,
  )
}

export function recoveryCodesPage(paths: { next: string; logout: string }, codes: string[]) {
  return layout(
    'Your recovery codes',
    `<p>Two-factor login is on. Keep these codes somewhere safe: each one logs you in once without the app. They are shown only now.</p>
<ul style="font-family: monospace; font-size: 1.1rem">${codes.map((code) => `<li>${escapeHtml(code)}</li>`).join('')}</ul>
<p><a href="${paths.next}">Continue to the panel</a></p>`,
    paths.logout,
  )
}
