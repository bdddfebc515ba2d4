import type { CurrentAdmin, LayoutElement, PropertyOptions, ResourceOptions } from 'adminjs'
import { kinds, type FieldDef } from '../fields/kinds.js'
import { fieldsOf, type ResourceDefinition, type Section } from '../fields/model.js'

export type ComponentIds = { readOnlyOnceSet: string; activeReference: string; plainText: string; requiredOnCreate: string; enumValue: string }

const adminJsType: Partial<Record<FieldDef['kind'], PropertyOptions['type']>> = {
  password: 'password',
  text: 'textarea',
  integer: 'number',
  decimal: 'float',
  boolean: 'boolean',
  reference: 'reference',
}

/** How AdminJS treats a field's value: also what its request parsing converts form input to. */
export const panelType = (def: FieldDef): PropertyOptions['type'] => adminJsType[def.kind] ?? 'string'

/** The panel's view of one field: label, type, choices, required mark, help and visibility. */
function propertyOptions(name: string, def: FieldDef, position: number, components: ComponentIds): PropertyOptions {
  const virtual = Boolean(kinds[def.kind].virtual)
  const options: PropertyOptions = {
    position,
    type: panelType(def),
    // Checkboxes always have a value, so they never carry the required star.
    isRequired: Boolean(def.required) && def.kind !== 'boolean',
    isSortable: !virtual && kinds[def.kind].sortable !== false,
    isArray: false,
    description: def.help,
    isVisible: { list: Boolean(def.list), filter: Boolean(def.filter), show: !virtual, edit: !def.readOnly },
  }
  if (def.options) {
    options.availableValues = def.options.map(({ value, label }) => ({ value, label }))
    // Badges coloured by what the value means (Option.tone), in colours readable as text on.
    options.components = { list: components.enumValue, show: components.enumValue }
    options.custom = { tones: Object.fromEntries(def.options.filter((option) => option.tone).map(({ value, tone }) => [value, tone])) }
  }
  if (def.references) options.reference = def.references.resource
  if (def.readOnlyOnceSet) options.components = { ...options.components, edit: components.readOnlyOnceSet }
  if (def.references?.mustBeActive) {
    options.components = { ...options.components, edit: components.activeReference }
  }
  if (virtual && def.required) options.components = { ...options.components, edit: components.requiredOnCreate }
  if (def.kind === 'text') options.components = { ...options.components, show: components.plainText }
  return options
}

function sectionLayout(section: Section, include: (name: string, def: FieldDef) => boolean): LayoutElement[] {
  const entries = Object.entries(section.fields).filter(([name, def]) => include(name, def))
  if (!entries.length) return []
  const rows: { key: string; names: string[] }[] = []
  for (const [name, def] of entries) {
    const existing = def.row ? rows.find((row) => row.key === def.row) : undefined
    if (existing) existing.names.push(name)
    else rows.push({ key: def.row ?? name, names: [name] })
  }
  const layout: LayoutElement[] = section.title ? [['@H4', { children: section.title, mt: 'xl', mb: 'lg' }]] : []
  for (const row of rows) {
    if (row.names.length === 1) layout.push(row.names[0])
    else
      layout.push([
        { flexDirection: 'row', flex: true, flexWrap: 'wrap' },
        row.names.map((name, i) => [name, { flexGrow: 1, flexBasis: '220px', mr: i < row.names.length - 1 ? 'xl' : 0 }] as LayoutElement),
      ])
  }
  return layout
}

/** Labels of the columns every record has besides its fields. */
export const RECORD_LABELS: Record<string, string> = { id: 'ID', createdAt: 'Created', updatedAt: 'Updated' }

export type PanelFieldOptions = {
  /** Fields a given user may not edit (e.g. a manager cannot pick the Manager). */
  hiddenInFormFor?: (currentAdmin: CurrentAdmin | undefined) => string[]
}

/**
 * Everything AdminJS needs about a resource's fields, derived from its definition: property
 * options, the sectioned form and show layouts, list/filter/show columns, labels and defaults.
 */
export function panelFields(definition: ResourceDefinition, components: ComponentIds, options: PanelFieldOptions = {}) {
  const fields = fieldsOf(definition)
  const properties: Record<string, PropertyOptions> = {
    id: { isVisible: { list: false, filter: false, show: true, edit: false }, position: 0 },
    createdAt: { isVisible: { list: true, filter: true, show: true, edit: false }, position: 1000 },
    updatedAt: { isVisible: { list: false, filter: false, show: true, edit: false }, position: 1001 },
  }
  fields.forEach(([name, def], index) => {
    properties[name] = propertyOptions(name, def, index + 1, components)
  })
  if (definition.passwordHash) {
    properties[definition.passwordHash.attribute] = { isVisible: false }
  }

  const formLayout = (currentAdmin: CurrentAdmin | undefined): LayoutElement[] => {
    const hidden = new Set(options.hiddenInFormFor?.(currentAdmin) ?? [])
    return definition.sections.flatMap((section) =>
      sectionLayout(section, (name, def) => !def.readOnly && !hidden.has(name)),
    )
  }
  const showLayout: LayoutElement[] = [
    ...definition.sections.flatMap((section) => sectionLayout(section, (_name, def) => !kinds[def.kind].virtual)),
    ['@H4', { children: 'Record', mt: 'xl', mb: 'lg' }],
    [{ flexDirection: 'row', flex: true }, [['id', { flexGrow: 1 }], ['createdAt', { flexGrow: 1 }], ['updatedAt', { flexGrow: 1 }]]],
  ]

  const defaults: Record<string, unknown> = {}
  for (const [name, def] of fields) {
    if (def.default !== undefined) defaults[name] = def.default
  }

  const translations = {
    properties: {
      ...RECORD_LABELS,
      ...Object.fromEntries(fields.map(([name, def]) => [name, def.label])),
    },
  }

  const resourceOptions: Pick<ResourceOptions, 'properties' | 'listProperties' | 'filterProperties' | 'showProperties'> = {
    properties,
    listProperties: [
      ...fields
        .filter(([, def]) => def.list)
        .sort(([, a], [, b]) => Number(a.list) - Number(b.list))
        .map(([name]) => name),
      'createdAt',
    ],
    filterProperties: [...fields.filter(([, def]) => def.filter).map(([name]) => name), 'createdAt'],
  }
  return { resourceOptions, formLayout, showLayout, defaults, translations }
}
