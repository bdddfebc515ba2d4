import type { ResourceDefinition } from '../../fields/model.js'
import { passwordField } from '../../fields/presets.js'

/** People who log into the panel. Listed in the Client's Manager select by name. */
export const adminUserDefinition: ResourceDefinition = {
  name: 'AdminUser',
  table: 'admin_users',
  passwordHash: { from: 'password', attribute: 'passwordHash' },
  history: true,
  sections: [
    {
      title: '',
      fields: {
        email: {
          label: 'E-mail',
          kind: 'email',
          required: true,
          unique: 'caseInsensitive',
          help: 'Used to log in.',
          list: true,
          filter: true,
          search: true,
        },
        name: { label: 'Name', kind: 'string', required: true, maxLength: 128, list: true, filter: true, search: true },
        role: {
          label: 'Role',
          kind: 'enum',
          required: true,
          default: 'manager',
          options: [
            { value: 'admin', label: 'Administrator' },
            { value: 'manager', label: 'Manager' },
          ],
          list: true,
          filter: true,
        },
        active: {
          label: 'Active',
          kind: 'boolean',
          default: true,
          help: 'Inactive users cannot log in.',
          list: true,
          filter: true,
        },
        password: passwordField,
      },
    },
  ],
}
