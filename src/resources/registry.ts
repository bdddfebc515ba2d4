import { fieldMap, type ResourceDefinition } from '../fields/model.js'
import { adminUserDefinition } from './admin-user/admin-user.fields.js'
import { changeHistoryDefinitionFor } from './change-history/change-history.fields.js'
import { clientDefinition } from './client/client.fields.js'
import { productDefinition } from './product/product.fields.js'
import { senderNameDefinition } from './sender-name/sender-name.fields.js'

/**
 * Every resource of the panel, one entry each: the single list that the models, the AdminJS setup,
 * the change history (record types, titles, labels, the home page's latest changes) and the role ×
 * action tests read. Adding a resource is its definition file, its entry here, its options file
 * (`<folder>/<folder>.resource.ts`, found by the name: see resourceFolder) and its generated
 * migration (docs/adding-a-resource.md).
 *
 * Data only, like the definitions: the models layer reads it, so it imports nothing above them.
 */

/**
 * Who may do what, as one word (src/panel/actions/presets.ts turns it into AdminJS actions):
 * - `staffEditAdminsDelete`: admins and managers list, show, create and edit (a manager only the
 *   rows of their scope); only admins delete,
 * - `adminsOnly`: only admins, everything,
 * - `readOnly`: staff read; nobody writes through the panel (the history).
 */
export type ActionPreset = 'staffEditAdminsDelete' | 'adminsOnly' | 'readOnly'

export type Role = 'admin' | 'manager'

/** A value only some roles may set: e.g. only an administrator approves (`status` → `approved`). */
export type ValueRule = { field: string; value: string; setBy: readonly Role[]; message: string }

/**
 * A change by one of `by` to any of `fields` of a row whose `field` holds `from` puts `field` back
 * to `to`: a manager's rename of an approved sender name needs approving again.
 */
export type ResetRule = { fields: readonly string[]; by: readonly Role[]; field: string; from: string; to: string }

/** Records of another resource listed on this one's show page (a client's sender names). */
export type RelatedList = { resource: string; through: string; label: string }

export type ResourceEntry = {
  definition: ResourceDefinition
  /** One record, as the history and the home page name its type: "Sender name". */
  label: string
  /** The menu entry and the list's title: "Sender names". */
  plural: string
  /** The field that names one record (panel title, history, home page). */
  titleField: string
  navigation: { group: string | null; icon: string }
  sort: { sortBy: string; direction: 'asc' | 'desc' }
  actions: ActionPreset
  /** Labels of columns besides the fields' own (a computed column, a renamed timestamp). */
  propertyLabels?: Record<string, string>
  /** Titles of the resource's own actions beyond list/show/new/edit/delete. */
  actionLabels?: Record<string, string>
  valueRules?: readonly ValueRule[]
  resetRules?: readonly ResetRule[]
  related?: readonly RelatedList[]
  /** The list and a selection download as CSV and XLSX (GET /admin/exports/<Resource>.csv|.xlsx). */
  exportable?: boolean
  /**
   * The resource imports from a file as its export wrote it (POST /admin/imports/<Resource>), each
   * row matched to a stored record by these fields, case-insensitively (a reference by the cell
   * that names its record): a client by login, a sender name by its client and name. Required
   * columns; never rewritten by an import. A resource owned through another record has that
   * reference in its key: a manager's cell finds only their own records, so a row can match no one
   * else's (the import checks `ownedBy` rows itself).
   */
  importKey?: readonly string[]
}

const client: ResourceEntry = {
  definition: clientDefinition,
  label: 'Client',
  plural: 'Clients',
  titleField: 'login',
  navigation: { group: null, icon: 'Users' },
  sort: { sortBy: 'createdAt', direction: 'desc' },
  actions: 'staffEditAdminsDelete',
  exportable: true,
  importKey: ['login'],
  actionLabels: { importCsv: 'Import CSV', bulkEdit: 'Edit selected', bulkEditMatching: 'Edit all matching' },
  related: [{ resource: 'SenderName', through: 'clientId', label: 'Sender names' }],
}

const senderName: ResourceEntry = {
  definition: senderNameDefinition,
  label: 'Sender name',
  plural: 'Sender names',
  titleField: 'name',
  navigation: { group: null, icon: 'MessageSquare' },
  sort: { sortBy: 'createdAt', direction: 'desc' },
  actions: 'staffEditAdminsDelete',
  exportable: true,
  importKey: ['clientId', 'name'],
  actionLabels: { importCsv: 'Import CSV' },
  valueRules: [{ field: 'status', value: 'approved', setBy: ['admin'], message: 'Only an administrator can approve a sender name' }],
  resetRules: [{ fields: ['name'], by: ['manager'], field: 'status', from: 'approved', to: 'pending' }],
}

const product: ResourceEntry = {
  definition: productDefinition,
  label: 'Product',
  plural: 'Products',
  titleField: 'name',
  navigation: { group: 'Administration', icon: 'Shield' },
  sort: { sortBy: 'name', direction: 'asc' },
  actions: 'adminsOnly',
}

const adminUser: ResourceEntry = {
  definition: adminUserDefinition,
  label: 'Admin user',
  plural: 'Admin users',
  titleField: 'name',
  navigation: { group: 'Administration', icon: 'Shield' },
  sort: { sortBy: 'name', direction: 'asc' },
  actions: 'adminsOnly',
  actionLabels: { resetTwoFactor: 'Reset two-factor' },
}

const recorded = [client, senderName, product, adminUser]

const changeHistory: ResourceEntry = {
  // Its record types are the resources whose changes the database records.
  definition: changeHistoryDefinitionFor(recorded.filter((entry) => entry.definition.history).map((entry) => ({ value: entry.definition.name, label: entry.label }))),
  label: 'Change history entry',
  plural: 'Change history',
  titleField: 'summary',
  navigation: { group: null, icon: 'Clock' },
  sort: { sortBy: 'createdAt', direction: 'desc' },
  actions: 'readOnly',
  propertyLabels: { createdAt: 'When', summary: 'Changes', sectionSummary: 'Changes' },
  actionLabels: { revert: 'Revert this change' },
}

/** In menu order. */
export const registry: readonly ResourceEntry[] = [client, senderName, changeHistory, product, adminUser]

const byName = new Map(registry.map((entry) => [entry.definition.name, entry]))

/** The entry of a resource by its panel id, or undefined for anything else (a stored name of the past). */
export const entryOf = (name: string | undefined): ResourceEntry | undefined => (name === undefined ? undefined : byName.get(name))

/** Every definition by resource name. */
export const definitions = Object.fromEntries(registry.map((entry) => [entry.definition.name, entry.definition])) as Record<string, ResourceDefinition>

/** `SenderName` → `sender-name`: the folder of its definition and options files. */
export const resourceFolder = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()

/** The resources that own rows of a user directly (a client's manager) or through another (a sender name's client). */
export function ownerChain(name: string): { through: string[]; userField: string } | undefined {
  const through: string[] = []
  let definition = entryOf(name)?.definition
  for (let depth = 0; definition && depth < 5; depth++) {
    if (definition.ownedBy) return { through, userField: definition.ownedBy }
    if (!definition.ownedThrough) return undefined
    through.push(definition.ownedThrough)
    definition = entryOf(fieldMap(definition).get(definition.ownedThrough)?.references?.resource)?.definition
  }
  return undefined
}
