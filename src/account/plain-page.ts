/**
 * The look of the pages the server writes itself, outside AdminJS's single-page app: the login's
 * second step, the logout confirmation and the error pages. The panel's colours, font and card, so
 * a person moving between them and the panel sees one product; plain HTML, no script (CSP-safe).
 */

export const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!)

// The panel's theme (AdminJS design system): primary100, grey100, grey20, error.
const STYLE = `
*{box-sizing:border-box}
html,body{margin:0;min-height:100%}
body{font-family:Roboto,Arial,sans-serif;background:#F6F7FB;color:#0C1E29;font-size:14px;line-height:1.5}
main{max-width:30rem;margin:4rem auto;padding:0 1rem}
.card{background:#fff;box-shadow:0 15px 24px 0 rgba(137,138,154,.15);padding:2rem}
.brand{display:block;margin-bottom:1.5rem;font-weight:700;font-size:1.1rem;color:#0C1E29;text-decoration:none}
.brand span{display:inline-block;background:#3040D6;color:#fff;border-radius:6px;padding:.1rem .45rem;margin-right:.4rem}
h1{font-size:1.5rem;font-weight:400;margin:0 0 1rem}
p{margin:0 0 1rem}
label{display:block;font-weight:500;margin-bottom:.3rem}
input{font:inherit;font-size:1.1rem;padding:.5rem .6rem;width:100%;max-width:16rem;border:1px solid #898A9A;border-radius:0}
input:focus,button:focus-visible,a:focus-visible{outline:2px solid #3040D6;outline-offset:2px}
.button{display:inline-block;font:inherit;font-weight:500;background:#3040D6;color:#fff;border:1px solid #3040D6;padding:.55rem 1.5rem;cursor:pointer;text-decoration:none}
.button.secondary{background:#fff;color:#3040D6}
.link{background:none;border:none;color:#3040D6;cursor:pointer;padding:0;font:inherit;text-decoration:underline}
.actions{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;margin-top:1.5rem}
.error{background:#FFE5E9;border-left:4px solid #C20012;color:#0C1E29;padding:.6rem .8rem}
code,ul.codes{font-family:monospace;font-size:1.1rem}
footer{margin-top:1.5rem;text-align:center}
`

const FONTS = ['400', '500', '700'].map((weight) => `<link rel="stylesheet" href="/assets/fonts/roboto/${weight}.css">`).join('')

/** A whole page: `body` is HTML (escape what it takes from elsewhere); `footer` sits below the card. */
export function plainPage(title: string, body: string, options: { footer?: string; home?: string } = {}) {
  const home = options.home ?? '/admin'
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · SMS Client Admin</title><link rel="icon" href="data:,">${FONTS}<style>${STYLE}</style></head>
<body><main>
<div class="card">
<a class="brand" href="${escapeHtml(home)}"><span aria-hidden="true">SMS</span>Client Admin</a>
<h1>${escapeHtml(title)}</h1>
${body}
</div>
${options.footer ? `<footer>${options.footer}</footer>` : ''}
</main></body></html>`
}
