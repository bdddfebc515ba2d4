import { BaseRecord, type ActionContext, type ActionDecorator, type BaseResource, type CurrentAdmin, type RecordJSON } from 'adminjs'
import { kinds, type FieldDef } from '../../fields/kinds.js'
import { forListRow, listRowJson, recordJson } from '../adminjs-internals/record-json.js'

// Owns what the adapter's records and answers look like: the shape the panel edits (secrets
// dropped), SafeRecord, references as the asking user may see them, and the list page's rows.

/** Only declared, editable fields (flattened keys such as `invoiceDates.0` count by their root). */
export const onlyWritable = (params: Record<string, unknown>, writable: Set<string>) =>
  Object.fromEntries(Object.entries(params).filter(([key]) => writable.has(key.split('.')[0])))

/** Stored shape → the shape the panel edits and shows (e.g. [1, 15] → "1, 15"); secrets dropped. */
export function presented(json: Record<string, unknown>, fields: Map<string, FieldDef>, secrets: string[]) {
  const shown: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(json)) {
    if (secrets.includes(name)) continue
    const def = fields.get(name)
    const toPanel = def && kinds[def.kind].toPanel
    shown[name] = toPanel ? toPanel(value) : value
  }
  return shown
}

/**
 * A referenced record as an answer carries it: its id and title (its other columns are not the
 * user's to read: a manager may not open Products), linked when the user may open it. On a failed
 * write the references are what was posted, not what is stored: anyone could read the title of any
 * row by typing its id (an inactive product, another manager), so there only references the user
 * may open are kept (the form keeps showing what it showed).
 */
function referenceAsSeenBy(referenced: unknown, currentAdmin: CurrentAdmin | undefined, failedWrite: boolean): RecordJSON | undefined {
  if (!(referenced instanceof BaseRecord)) return undefined
  const decorated = referenced.resource.decorate()
  const show = decorated.actions.show
  const mayOpen = Boolean(show?.isAccessible(currentAdmin, referenced))
  if (failedWrite && !mayOpen) return undefined
  const id = referenced.id()
  const linked = mayOpen && Boolean(show.isVisible(currentAdmin, referenced))
  return recordJson({
    id,
    title: decorated.titleOf(referenced),
    params: { id },
    populated: {},
    recordActions: linked ? [{ name: 'show', actionType: 'record', resourceId: decorated.id() } as RecordJSON['recordActions'][number]] : [],
  })
}

/**
 * A record that never serializes secrets (even ones echoed back from a submitted form), and that an
 * edit cannot point at another row: AdminJS merges the posted params into the record before it
 * asks for `id()`, so a posted `id` would otherwise redirect the update.
 */
export class SafeRecord extends BaseRecord {
  constructor(
    params: Record<string, unknown>,
    resource: BaseResource,
    private readonly secretNames: string[],
    private readonly postable: Set<string>,
    private readonly storedId: string | undefined,
  ) {
    super(params, resource)
  }

  id() {
    return this.storedId ?? super.id()
  }

  async update(params: Record<string, unknown>, context?: ActionContext) {
    return super.update(onlyWritable(params, this.postable), context)
  }

  toJSON(currentAdmin?: CurrentAdmin) {
    // References are shaped here rather than serialized whole (see referenceAsSeenBy), so every
    // answer that carries this record, error answers included, carries them the same way.
    const populated = this.populated
    this.populated = {}
    let json: RecordJSON
    try {
      json = super.toJSON(currentAdmin)
    } finally {
      this.populated = populated
    }
    const failedWrite = Boolean(this.baseError) || Object.keys(this.errors ?? {}).length > 0
    for (const [path, referenced] of Object.entries(populated ?? {})) {
      const shaped = referenceAsSeenBy(referenced, currentAdmin, failedWrite)
      if (shaped) json.populated[path] = shaped
    }
    for (const key of Object.keys(json.params)) {
      if (this.secretNames.some((secret) => key === secret || key.startsWith(`${secret}.`))) delete json.params[key]
    }
    return json
  }
}

/**
 * Each action as a list row sends it, per user (their JSON): a pure function of the action's
 * options and the user, so it is worked out once, not on every page. Frozen: every page shares it.
 */
const rowActionJson = new WeakMap<ActionDecorator, Map<string, Record<string, unknown>>>()
const USERS_PER_ACTION = 1_000

/**
 * A list page's rows for this user: each action serialized once per user, not once per row
 * (row-level isAccessible/isVisible rules still see each record); references carry only their title.
 * Bulk actions go with the first row only: they are the page's (the list offers the first row's
 * to the selection: components/ListPage.jsx), and every other row carries an empty list instead
 * of a copy (a third of a page's bytes).
 */
export function listRows(
  records: BaseRecord[],
  populated: Record<string, unknown>[],
  decorated: ReturnType<BaseResource['decorate']>,
  currentAdmin: CurrentAdmin | undefined,
): RecordJSON[] {
  const user = JSON.stringify(currentAdmin ?? null)
  const listed = (action: ActionDecorator) => {
    let byUser = rowActionJson.get(action)
    if (!byUser) rowActionJson.set(action, (byUser = new Map()))
    let json = byUser.get(user)
    if (!json) {
      if (byUser.size >= USERS_PER_ACTION) byUser.clear()
      byUser.set(user, (json = Object.freeze(forListRow(action.toJSON(currentAdmin) as unknown as Record<string, unknown>))))
    }
    return json
  }
  return records.map((record, i) =>
    listRowJson({
      params: record.params,
      populated: populated[i] as RecordJSON['populated'],
      id: record.id(),
      recordActions: decorated.recordActions(record, currentAdmin).map(listed) as unknown as RecordJSON['recordActions'],
      bulkActions: (i === 0 ? decorated.bulkActions(record, currentAdmin).map(listed) : []) as unknown as RecordJSON['bulkActions'],
    }),
  )
}
