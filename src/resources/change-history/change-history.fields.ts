import type { Option } from '../../fields/kinds.js'
import type { ResourceDefinition } from '../../fields/model.js'

/**
 * Who changed what, when. Rows are written by database triggers (migration 0002) in the same
 * transaction as the change; the panel only reads them. Every field is read-only. Its record types
 * are the resources with `history: true`, handed in by the registry (src/resources/registry.ts).
 */
export const changeHistoryDefinitionFor = (recordTypes: Option[]): ResourceDefinition => ({
  name: 'ChangeHistory',
  table: 'change_history',
  updatedAt: false,
  // An append-only log read newest first: its indexes are chosen by hand (migrations 0002, 0005).
  generatedIndexes: false,
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
          options: recordTypes,
          list: 2,
          filter: true,
        },
        recordId: { label: 'Record', kind: 'integer', required: true, readOnly: true, list: 3, filter: true },
        action: {
          label: 'Action',
          kind: 'enum',
          required: true,
          readOnly: true,
          maxLength: 24,
          options: [
            { value: 'create', label: 'Created' },
            { value: 'update', label: 'Changed' },
            { value: 'delete', label: 'Deleted' },
            { value: 'export', label: 'Exported' },
            { value: 'login', label: 'Logged in' },
            { value: 'login_failed', label: 'Failed login' },
            { value: 'lockout', label: 'Locked out' },
            { value: 'two_factor_enrolled', label: 'Two-factor enrolled' },
            { value: 'two_factor_reset', label: 'Two-factor reset' },
            { value: 'recovery_code_used', label: 'Recovery code used' },
            { value: 'password_changed', label: 'Password changed' },
            { value: 'session_ended', label: 'Session ended' },
            { value: 'settings_changed', label: 'Settings changed' },
          ],
          list: 4,
          filter: true,
        },
        actorEmail: { label: 'Changed by', kind: 'string', maxLength: 254, default: 'system', readOnly: true, list: 5, filter: true, search: true },
        actorId: { label: 'Changed by (user id)', kind: 'integer', readOnly: true },
        clientId: { label: 'Client', kind: 'integer', readOnly: true },
        changes: { label: 'Changes', kind: 'json', required: true, readOnly: true },
        // Groups the entries of one bulk edit, import or revert ("bulk:<uuid>", "import:<uuid>",
        // "revert:<entry id>"), from the transaction-local setting app.operation.
        operation: { label: 'Operation', kind: 'string', maxLength: 64, readOnly: true, filter: true },
        // The record's version after this change (migration 0008): what changed since version N is
        // every entry of the record with a higher one.
        recordVersion: { label: 'Version', kind: 'integer', readOnly: true },
      },
    },
  ],
})
