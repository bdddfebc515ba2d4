// How a record is named on its pages: "Client acme-01". The singular comes from the resource's
// translations (labels.recordName), the name from the record's title property.
export const recordName = (translateLabel, resource, record) => {
  const singular = translateLabel('recordName', resource.id, { defaultValue: resource.name })
  const title = record?.title || (record?.id ? `#${record.id}` : '')
  return title ? `${singular} ${title}` : singular
}

/** The action's short name for a heading or breadcrumb: "Edit", "Import" (labels.breadcrumb_<action>, else the action's label). */
export const actionName = (translateLabel, translateAction, resource, action) =>
  translateLabel(`breadcrumb_${action.name}`, resource.id, { defaultValue: translateAction(action.label, resource.id) })
