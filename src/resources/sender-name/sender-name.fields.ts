import type { ResourceDefinition } from '../../fields/model.js'

/**
 * A client's alphanumeric sender names (what recipients see instead of a number; "Dynamic Sender"
 * in the help article), registered per client and approved by an administrator before use.
 */
export const senderNameDefinition: ResourceDefinition = {
  name: 'SenderName',
  table: 'sender_names',
  history: true,
  ownedThrough: 'clientId',
  sections: [
    {
      title: '',
      fields: {
        clientId: {
          label: 'Client',
          kind: 'reference',
          required: true,
          references: { resource: 'Client', table: 'clients', onDelete: 'CASCADE' },
          list: 2,
          filter: true,
        },
        name: {
          label: 'Sender name',
          kind: 'string',
          required: true,
          minLength: 3,
          maxLength: 11,
          pattern: { regex: /^[A-Za-z0-9 ]+$/, message: 'Only letters, digits and spaces' },
          unique: { with: 'clientId', ignoreCase: true },
          help: 'What recipients see as the sender: 3 to 11 letters, digits or spaces.',
          list: 1,
          filter: true,
          search: true,
        },
        status: {
          label: 'Status',
          kind: 'enum',
          required: true,
          default: 'pending',
          options: [
            { value: 'pending', label: 'Pending' },
            { value: 'approved', label: 'Approved' },
            { value: 'rejected', label: 'Rejected' },
          ],
          help: 'Only an administrator approves. A manager renaming an approved name sends it back to pending.',
          list: 3,
          filter: true,
        },
        comment: { label: 'Comment', kind: 'text', maxLength: 1000 },
      },
    },
  ],
}
