import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Page } from 'playwright-core'

// axe-core run inside a page the browser tests opened. Injected through the DevTools protocol
// (page.evaluate), which the panel's Content-Security-Policy does not apply to: nothing about the
// page is loosened for the test.

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

export type Violation = { id: string; impact: string; help: string; targets: string[] }

/** The serious and critical WCAG 2.x A/AA violations axe finds on the page as it is now. */
export async function seriousViolations(page: Page): Promise<Violation[]> {
  await page.evaluate(axeSource)
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: any }).axe
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }, resultTypes: ['violations'] })
    return result.violations
      .filter((violation: any) => violation.impact === 'serious' || violation.impact === 'critical')
      .map((violation: any) => ({
        id: violation.id,
        impact: violation.impact,
        help: violation.help,
        targets: violation.nodes.slice(0, 6).map((node: any) => {
          const data = node.any?.[0]?.data
          const colours = data?.fgColor ? ` (${data.fgColor} on ${data.bgColor}, ${data.contrastRatio}:1)` : ''
          const text = (document.querySelector(node.target[0]) as HTMLElement | null)?.innerText?.slice(0, 30) ?? ''
          const html = data?.fgColor ? '' : ` ${String(node.html).slice(0, 160)}`
          return `${node.target.join(' ')}${colours}${text ? ` "${text}"` : ''}${html}`
        }),
      }))
  })
}
