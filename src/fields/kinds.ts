import ipaddr from 'ipaddr.js'
import { parsePhoneNumberFromString } from 'libphonenumber-js/max'
import { createRequire } from 'node:module'
import { DataTypes, type DataType } from 'sequelize'

/**
 * What a field can be. Each kind knows its column type, how to normalize what a form, an API call
 * or a script hands it, and which values it refuses, so one table row is enough to declare a field.
 */
export type FieldKind =
  | 'string'
  | 'text'
  | 'password'
  | 'integer'
  | 'decimal'
  | 'boolean'
  | 'enum'
  | 'email'
  | 'url'
  | 'phone'
  | 'country'
  | 'timezone'
  | 'currency'
  | 'time'
  | 'dayList'
  | 'reference'
  | 'json'

export type Option = {
  value: string
  label: string
  /** What the value says about the record, shown as its badge's colour: fine, ended or refused, needs a look. */
  tone?: 'good' | 'bad' | 'attention'
}

export type FieldDef = {
  label: string
  kind: FieldKind
  /** Required on create; a NOT NULL column (write-only fields are checked by the model instead). */
  required?: boolean
  default?: string | number | boolean
  /** Shown under the field in the form. */
  help?: string
  min?: number
  max?: number
  minLength?: number
  maxLength?: number
  pattern?: { regex: RegExp; message: string }
  /** Removed from the start of the input before anything else (e.g. the @ of a Telegram handle). */
  stripPrefix?: string
  /** Enum choices, in the order the select shows them. */
  options?: readonly Option[]
  /** Enum: `false` when the database does not repeat the choices as a CHECK (values set by a trigger). */
  databaseCheck?: false
  /** Foreign key to another resource (by its panel id and table). */
  references?: {
    resource: string
    table: string
    /** What deleting the referenced row does here: refuse (RESTRICT), empty this field, or delete this row too. */
    onDelete?: 'RESTRICT' | 'SET NULL' | 'CASCADE'
    /** Only rows whose `active` flag is set may be chosen (checked whenever the value changes). */
    mustBeActive?: boolean
  }
  /**
   * Unique in the database; `caseInsensitive` uses a unique index on lower(column); `{ with, ignoreCase }`
   * is unique together with another field (a sender name per client), a unique index on both.
   */
  unique?: true | 'caseInsensitive' | { with: string; ignoreCase?: boolean }
  /** Once stored it never changes (model hook + database trigger). */
  readOnlyOnceSet?: boolean
  /** Must equal the named field (a write-only confirmation). */
  confirms?: string
  /** Both or neither: this field and the named one. */
  pairedWith?: string
  /** Fields with the same row name stand side by side in the form. */
  row?: string
  /** A list column; a number orders the columns (lower first). */
  list?: boolean | number
  /** Offered in the list's filter panel. */
  filter?: boolean
  /**
   * Searched by the list's search box (`q=`): a case-insensitive substring, so only for text kinds
   * that filter as `contains`, and only where a trigram index serves it (see the migrations).
   */
  search?: boolean
  /** Offered by "Edit selected": may be set on many records at once (never a per-record identity field). */
  bulkEdit?: boolean
  /** Not editable in the panel (timestamps and other derived values). */
  readOnly?: boolean
}

export type KindContext = {
  /** Webhook URLs may point at loopback/private hosts (operator's setting). */
  allowPrivateWebhookHosts: boolean
}

/**
 * How a list filter on a field of this kind matches what the user typed or picked:
 * - `contains`: a case-insensitive substring (a field with `options` matches the picked value exactly),
 * - `equals`: the value as given,
 * - `yesNo`: 'true' or 'false' (anything else filters nothing),
 * - `wholeNumber`: digits only (anything else matches no row).
 */
export type FilterMatch = 'contains' | 'equals' | 'yesNo' | 'wholeNumber'

type Kind = {
  column: (def: FieldDef) => DataType
  /** How the list filters this kind; a kind without one cannot be offered as a filter. */
  filter?: FilterMatch
  /** False when values have no useful order (the list does not sort by them). */
  sortable?: false
  /** Turns form/API input into the stored shape; leaves unparseable input as is for `check`. */
  normalize?: (value: unknown, def: FieldDef) => unknown
  /** A message for a refused non-null value, or undefined when it is fine. */
  check?: (value: unknown, def: FieldDef, context: KindContext) => string | undefined
  /** The shape the panel shows and edits, when it differs from the stored one. */
  toPanel?: (value: unknown) => unknown
  /** Not a column: never stored, never returned. */
  virtual?: boolean
}


const regionNames = new Intl.DisplayNames(['en'], { type: 'region' })
const currencyNames = new Intl.DisplayNames(['en'], { type: 'currency' })

// The ISO 3166-1 code table alone (the package's main entry would load 80 translations at start).
const countryCodeTable = createRequire(import.meta.url)('i18n-iso-countries/codes.json') as [string, string, string][]

export const countryOptions: Option[] = countryCodeTable
  .map(([alpha2]) => alpha2)
  .map((code) => ({ value: code, label: `${regionNames.of(code) ?? code} (${code})` }))
  .sort((a, b) => a.label.localeCompare(b.label))
const countryCodes = new Set(countryOptions.map((option) => option.value))

/** "+01:00": how far a zone is from UTC at a moment (its offset now, by default). */
export const zoneOffset = (zone: string, at = new Date()) => {
  const name = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' }).formatToParts(at).find((part) => part.type === 'timeZoneName')?.value
  return name?.replace('GMT', '') || '+00:00'
}

/** "Europe/Berlin (UTC+01:00)": a zone everywhere it is shown or chosen; the stored value stays the IANA name. */
export const timezoneLabel = (zone: string, at = new Date()) => `${zone} (UTC${zoneOffset(zone, at)})`

// The offsets are those of when the process started: a daylight-saving change shows at the next start.
export const timezoneOptions: Option[] = ['UTC', ...Intl.supportedValuesOf('timeZone')].map((zone) => ({
  value: zone,
  label: timezoneLabel(zone),
}))
const timezones = new Set(timezoneOptions.map((option) => option.value))
/** A zone the list offers, or any other IANA Area/Location name the runtime knows (aliases too). */
const isIanaZone = (zone: string) => {
  if (timezones.has(zone)) return true
  if (!/^[A-Za-z]+(\/[A-Za-z0-9_+-]+)+$/.test(zone)) return false
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

export const currencyOptions: Option[] = Intl.supportedValuesOf('currency').map((code) => ({
  value: code,
  label: `${code} — ${currencyNames.of(code) ?? code}`,
}))
const currencies = new Set(currencyOptions.map((option) => option.value))

const blankToNull = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? null : value)
const trimmed = (value: unknown) => {
  const v = blankToNull(value)
  return typeof v === 'string' ? v.trim() : v
}

const lengthCheck = (value: unknown, def: FieldDef) => {
  const text = String(value)
  if (def.minLength !== undefined && text.length < def.minLength) {
    return `Must be at least ${def.minLength} characters`
  }
  if (def.maxLength !== undefined && text.length > def.maxLength) {
    return `Must be at most ${def.maxLength} characters`
  }
  return undefined
}

const stringCheck = (value: unknown, def: FieldDef) => {
  if (typeof value !== 'string') return 'Must be text'
  const tooLongOrShort = lengthCheck(value, def)
  if (tooLongOrShort) return tooLongOrShort
  if (def.pattern && !def.pattern.regex.test(value)) return def.pattern.message
  return undefined
}

const rangeCheck = (n: number, def: FieldDef) => {
  if (def.min !== undefined && def.max !== undefined && (n < def.min || n > def.max)) {
    return `Must be between ${def.min} and ${def.max}`
  }
  if (def.min !== undefined && n < def.min) return `Must be ${def.min} or more`
  if (def.max !== undefined && n > def.max) return `Must be ${def.max} or less`
  return undefined
}

// A pragmatic address check (what browsers use for <input type=email>), not RFC 5322 in full.
const EMAIL = /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i
const DECIMAL_14_2 = /^-?\d{1,12}(\.\d{1,2})?$/
const INT32_MIN = -2147483648
const INT32_MAX = 2147483647
const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/

/**
 * Names that never lead to a public host: the local machine, link-local multicast DNS, names a
 * network keeps for itself (ICANN's .internal, RFC 8375's home.arpa and the usual undelegated
 * private suffixes), and the cloud metadata services' names. (Reserved names that resolve nowhere,
 * such as .example, are harmless and stay allowed: the demo data uses them.)
 */
const PRIVATE_NAME_SUFFIXES = ['localhost', 'local', 'internal', 'home.arpa', 'lan', 'localdomain', 'intranet', 'corp', 'home', 'private']
const METADATA_NAMES = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal', 'metadata.azure.com', 'metadata.tencentyun.com'])

/**
 * True unless `hostname` (as the URL parser gives it: IPv4 in dotted form, IPv6 in brackets) is a
 * public unicast address or a name that may resolve to one. Address ranges come from ipaddr.js's
 * special-purpose registries: anything it does not call 'unicast' is refused (loopback, private,
 * link-local, carrier-grade NAT, benchmarking, documentation, multicast, reserved, and IPv6 forms
 * that embed an IPv4 address: mapped, NAT64, 6to4, Teredo), and so is IPv6 outside global unicast
 * 2000::/3 (the deprecated IPv4-compatible ::a.b.c.d, site-local fec0::/10, …); a mapped or NAT64
 * IPv4 address is judged as that IPv4 address too.
 * A name is only judged by its spelling: it can still resolve to a private address, so whoever
 * calls the URL has to check the address it connects to again at that time.
 */
export function isPrivateHost(hostname: string): boolean {
  // A name may end in any number of dots (`127.0.0.1..`): resolvers and the URL parser read past them.
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase().replace(/\.+$/, '')
  if (ipaddr.isValid(host)) {
    const address = ipaddr.parse(host)
    if (address.range() !== 'unicast') return true
    return address.kind() === 'ipv6' && !(address as ipaddr.IPv6).match(ipaddr.IPv6.parse('2000::'), 3)
  }
  // Single-label names are completed by the caller's search domains (http://metadata/, http://intranet/).
  if (!host.includes('.') || METADATA_NAMES.has(host)) return true
  return PRIVATE_NAME_SUFFIXES.some((suffix) => host === suffix || host.endsWith(`.${suffix}`))
}

function parseDayList(value: unknown): number[] | { bad: string } {
  const entries = Array.isArray(value) ? value.map(String) : String(value).split(',')
  const days = new Set<number>()
  for (const raw of entries) {
    const entry = raw.trim()
    if (entry === '') continue
    const day = Number(entry)
    if (!/^\d{1,2}$/.test(entry) || day < 1 || day > 31) return { bad: entry }
    days.add(day)
  }
  return [...days].sort((a, b) => a - b)
}

export const kinds: Record<FieldKind, Kind> = {
  string: {
    filter: 'contains',
    column: (def) => DataTypes.STRING(def.maxLength ?? 255),
    normalize: trimmed,
    check: stringCheck,
  },
  text: {
    filter: 'contains',
    sortable: false,
    column: () => DataTypes.TEXT,
    normalize: blankToNull,
    check: stringCheck,
  },
  password: {
    column: () => DataTypes.VIRTUAL,
    virtual: true,
    normalize: blankToNull,
    check: stringCheck,
  },
  integer: {
    filter: 'wholeNumber',
    column: () => DataTypes.INTEGER,
    normalize: (value) => {
      const v = trimmed(value)
      return typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v
    },
    check: (value, def) => {
      if (typeof value !== 'number' || !Number.isInteger(value)) return 'Must be a whole number'
      // The column is a 32-bit integer: a larger number is refused here, not by the database.
      return rangeCheck(value, { min: INT32_MIN, max: INT32_MAX, ...def })
    },
  },
  decimal: {
    filter: 'equals',
    column: () => DataTypes.DECIMAL(14, 2),
    normalize: (value) => {
      const v = trimmed(value)
      return typeof v === 'number' && Number.isFinite(v) ? String(v) : v
    },
    check: (value, def) => {
      if (typeof value !== 'string' || !DECIMAL_14_2.test(value)) {
        return 'Must be an amount with at most 12 digits and 2 decimals'
      }
      return rangeCheck(Number(value), def)
    },
  },
  boolean: {
    filter: 'yesNo',
    column: () => DataTypes.BOOLEAN,
    normalize: (value) => {
      if (value === 'true' || value === 'on' || value === '1') return true
      if (value === 'false' || value === '0' || value === '') return false
      return value
    },
    check: (value) => (typeof value === 'boolean' ? undefined : 'Must be yes or no'),
  },
  enum: {
    filter: 'equals',
    column: (def) => DataTypes.STRING(def.maxLength ?? Math.max(16, ...(def.options ?? []).map((o) => o.value.length))),
    normalize: trimmed,
    check: (value, def) =>
      def.options?.some((option) => option.value === value)
        ? undefined
        : `Must be one of: ${def.options?.map((option) => option.label).join(', ')}`,
  },
  email: {
    filter: 'contains',
    column: () => DataTypes.STRING(254),
    normalize: (value) => {
      const v = trimmed(value)
      return typeof v === 'string' ? v.toLowerCase() : v
    },
    check: (value) =>
      typeof value === 'string' && value.length <= 254 && EMAIL.test(value) ? undefined : 'Must be a valid e-mail address',
  },
  url: {
    filter: 'contains',
    column: () => DataTypes.STRING(2048),
    normalize: trimmed,
    check: (value, _def, context) => {
      if (typeof value !== 'string') return 'Must be a URL'
      if (value.length > 2048) return 'Must be at most 2048 characters'
      let url: URL
      try {
        url = new URL(value)
      } catch {
        return 'Must be an absolute http:// or https:// URL'
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'Only http:// and https:// URLs are allowed'
      if (!url.hostname) return 'Must name a host'
      if (url.username || url.password) return 'Must not contain a user name or password'
      if (!context.allowPrivateWebhookHosts && isPrivateHost(url.hostname)) {
        return 'Must not point at localhost or a private network address'
      }
      return undefined
    },
  },
  phone: {
    filter: 'contains',
    column: () => DataTypes.STRING(16),
    normalize: (value) => {
      const v = trimmed(value)
      if (typeof v !== 'string') return v
      const phone = parsePhoneNumberFromString(v.startsWith('+') || v.startsWith('00') ? v.replace(/^00/, '+') : `+${v}`)
      return phone?.isValid() ? phone.number : v
    },
    check: (value) =>
      typeof value === 'string' && /^\+[1-9]\d{6,14}$/.test(value) && parsePhoneNumberFromString(value)?.isValid()
        ? undefined
        : 'Must be a valid international phone number, e.g. +49 151 12345678',
  },
  country: {
    filter: 'equals',
    column: () => DataTypes.STRING(2),
    normalize: (value) => {
      const v = trimmed(value)
      return typeof v === 'string' ? v.toUpperCase() : v
    },
    check: (value) => (countryCodes.has(value as string) ? undefined : 'Must be an ISO 3166 country'),
  },
  timezone: {
    filter: 'equals',
    column: () => DataTypes.STRING(64),
    normalize: trimmed,
    check: (value) => (typeof value === 'string' && isIanaZone(value) ? undefined : 'Must be a time zone from the list, e.g. Europe/Berlin'),
  },
  currency: {
    filter: 'equals',
    column: () => DataTypes.STRING(3),
    normalize: (value) => {
      const v = trimmed(value)
      return typeof v === 'string' ? v.toUpperCase() : v
    },
    check: (value) => (currencies.has(value as string) ? undefined : 'Must be an ISO 4217 currency code'),
  },
  time: {
    filter: 'equals',
    column: () => DataTypes.TIME,
    normalize: (value) => {
      const v = trimmed(value)
      // PostgreSQL hands back HH:MM:SS; the panel works in HH:MM.
      return typeof v === 'string' && /^\d\d:\d\d:00$/.test(v) ? v.slice(0, 5) : v
    },
    check: (value) => (typeof value === 'string' && HH_MM.test(value) ? undefined : 'Must be a time as HH:MM, e.g. 09:30'),
    toPanel: (value) => (typeof value === 'string' ? value.slice(0, 5) : value),
  },
  dayList: {
    sortable: false,
    column: () => DataTypes.ARRAY(DataTypes.INTEGER),
    normalize: (value) => {
      const v = blankToNull(value)
      if (v === null || v === undefined) return v
      const days = parseDayList(v)
      if (Array.isArray(days)) return days.length ? days : null
      return v // left as typed, so `check` can name the bad entry
    },
    check: (value) => {
      const days = parseDayList(value)
      return Array.isArray(days) ? undefined : `"${days.bad}" is not a day of the month (1–31)`
    },
    toPanel: (value) => (Array.isArray(value) ? value.join(', ') : value),
  },
  json: {
    sortable: false,
    column: () => DataTypes.JSONB,
  },
  reference: {
    filter: 'wholeNumber',
    column: () => DataTypes.INTEGER,
    normalize: (value) => {
      const v = trimmed(value)
      return typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v
    },
    check: (value) => (typeof value === 'number' && Number.isInteger(value) && value > 0 ? undefined : 'Must be chosen from the list'),
  },
}
