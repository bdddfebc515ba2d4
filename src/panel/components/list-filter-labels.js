// Words for the list's filters, shared by the chips above the list and "Filter by" in a row's menu:
// a chosen value reads as people see it in the list (a choice's label, a reference's title,
// Yes/No, "not set"), never as the stored code or id.

/**
 * `propertyOf(path)` finds a column's property; `records` are the rows shown, whose populated
 * references give a referenced record's title without asking the server.
 */
export function filterLabels({ resource, custom, records, propertyOf, translateProperty }) {
  const valueLabel = (path, value) => {
    if (value === custom.notSetValue) return 'not set'
    const property = propertyOf(path)
    const choice = property?.availableValues?.find((option) => String(option.value) === String(value))
    if (choice) return choice.label
    if (property?.type === 'boolean') return value === 'true' ? 'Yes' : 'No'
    if (property?.reference) {
      const titled = records.find((record) => String(record.params[path]) === String(value))?.populated?.[path]?.title
      return titled ?? `#${value}`
    }
    return value
  }

  /** One chip per active filter (a range bound is its own chip). */
  const chipsOf = (filters) =>
    Object.entries(filters).map(([key, value]) => {
      const extra = custom.extraFilters?.find((candidate) => candidate.name === key)
      if (extra) return { key, text: `${extra.label}: ${extra.options.find((option) => option.value === value)?.label ?? value}` }
      const [path, bound] = key.split('~~')
      const label = `${translateProperty(path, resource.id)}${bound ? ` ${bound}` : ''}`
      return { key, text: `${label}: ${valueLabel(path, value)}` }
    })

  // "Filter by this value" in a row's menu: a chip from the keyboard without the drawer, for the
  // shown columns whose filter takes one exact value (choices, references, yes/no) or "Not set".
  const filterable = new Set(resource.filterProperties.map((property) => property.propertyPath))
  const notSettable = new Set(custom.notSet ?? [])
  const quickFiltersOf = (record, shownProperties, filters) =>
    shownProperties.flatMap((property) => {
      const path = property.propertyPath
      if (!filterable.has(path)) return []
      const raw = record.params[path]
      const value = raw === undefined || raw === null || raw === '' ? (notSettable.has(path) ? custom.notSetValue : null) : String(raw)
      const exact = value === custom.notSetValue || property.availableValues?.length || property.reference || property.type === 'boolean'
      if (value === null || !exact || filters[path] === value) return []
      return [{ path, value, text: `${translateProperty(property.label, resource.id)}: ${valueLabel(path, value)}` }]
    })

  return { chipsOf, quickFiltersOf }
}
