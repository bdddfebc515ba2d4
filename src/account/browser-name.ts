import Bowser from 'bowser'

/** "Chrome on macOS" from a User-Agent header (bowser's parser); null when it names neither. */
export function browserName(userAgent: string | null | undefined): string | null {
  if (!userAgent) return null
  const { browser, os } = Bowser.parse(userAgent)
  const name = browser.name || null
  if (name && os.name) return `${name} on ${os.name}`
  return name ?? (os.name ? `A browser on ${os.name}` : null)
}
