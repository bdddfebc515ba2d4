import type { ResourceDefinition } from '../../fields/model.js'

/**
 * Who changed what, when. Rows are written by database triggers (migration 0002) in the same
 * transaction as the change; the panel only reads them. Every field is read-only.
 */
export const changeHistoryDefinition: ResourceDefinition = {
  name: 'ChangeHistory',
  table: 'change_history',
  updatedAt: false,
  sections: [
    {
      title: '',
      fields: {
        resource: {
          label: 'Record type',
          kind: 'enum',
          required: true,
          readOnly: true,
          // Any resource name a history trigger passes: no CHECK in the database (migration 0002).
          maxLength: 32,
          databaseCheck: false,
          options: [
            { value: 'Client', label: 'Client' },
            { value: 'AdminUser', label: 'Admin user' },
            { value: 'Product', label: 'Product' },
          ],
          list: 2,
          filter: true,
        },
        recordId: { label: 'Record', kind: 'integer', required: true, readOnly: true, list: 3, filter: true },
        action: {
          label: 'Action',
          kind: 'enum',
          required: true,
          readOnly: true,
          maxLength: 8,
          options: [
            { value: 'create', label: 'Created' },
            { value: 'update', label: 'Changed' },
            { value: 'delete', label: 'Deleted' },
          ],
          list: 4,
          filter: true,
        },
        actorEmail: { label: 'Changed by', kind: 'string', maxLength: 254, default: 'system', readOnly: true, list: 5, filter: true },
        actorId: { label: 'Changed by (user id)', kind: 'integer', readOnly: true },
        clientId: { label: 'Client', kind: 'integer', readOnly: true },
        changes: { label: 'Changes', kind: 'json', required: true, readOnly: true },
      },
    },
  ],
}
