// One way to show a moment everywhere in the panel: the reader's locale (the browser's), in the
// time zone they chose on My account (else the browser's own), with the UTC value on hover.
// Dates without a time (an invoice date) are not moments and never go through a zone.

/** The zone the browser runs in, or UTC when it does not say. */
export const browserZone = () => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'
  } catch {
    return 'UTC'
  }
}

/** The zone a user's times are shown in: their choice, else the browser's. */
export const zoneOf = (currentAdmin) => currentAdmin?.timeZone || browserZone()

const formats = new Map()
const formatIn = (timeZone) => {
  if (!formats.has(timeZone)) {
    let format
    try {
      format = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone })
    } catch {
      format = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' })
    }
    formats.set(timeZone, format)
  }
  return formats.get(timeZone)
}

const parsed = (value) => {
  if (value === null || value === undefined || value === '') return null
  const date = value instanceof Date ? value : new Date(value)
  return Number.isNaN(date.getTime()) ? null : date
}

/** "6 Dec 2026, 23:25" in the reader's locale and the given zone; the value as given when it is not a moment. */
export const formatDateTime = (value, timeZone) => {
  const date = parsed(value)
  return date ? formatIn(timeZone).format(date) : String(value ?? '')
}

/** "2026-12-06 23:25 UTC": the same moment as the server names it (the hover text). */
export const utcDateTime = (value) => {
  const date = parsed(value)
  return date ? `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC` : ''
}

/** "+01:00": how far the zone is from UTC at the given moment (now by default). */
export const zoneOffset = (timeZone, at = new Date()) => {
  try {
    const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).formatToParts(at).find((part) => part.type === 'timeZoneName')?.value
    const offset = name?.replace('GMT', '') || '+00:00'
    return offset
  } catch {
    return '+00:00'
  }
}

/** "Europe/Berlin (UTC+01:00)": a zone as the panel names it everywhere. */
export const zoneLabel = (timeZone, at) => (timeZone ? `${timeZone} (UTC${zoneOffset(timeZone, at)})` : '')

/** Server messages name moments in UTC ("… at 2026-12-06 23:25 UTC"): those moments, in the reader's format. */
export const localizeUtcTimes = (text, timeZone) =>
  typeof text === 'string'
    ? text.replace(/\b(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}) UTC\b/g, (whole, day, time) => formatDateTime(`${day}T${time}:00Z`, timeZone))
    : text
