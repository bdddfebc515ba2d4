import type { ResourceDefinition } from '../../fields/model.js'

/** Service plans a client can be put on. */
export const productDefinition: ResourceDefinition = {
  name: 'Product',
  table: 'products',
  history: true,
  sections: [
    {
      title: '',
      fields: {
        code: {
          label: 'Code',
          kind: 'string',
          required: true,
          maxLength: 32,
          pattern: { regex: /^[A-Za-z0-9._-]+$/, message: 'Only letters, digits, dots, underscores and hyphens' },
          unique: true,
          list: true,
          filter: true,
          search: true,
        },
        name: { label: 'Name', kind: 'string', required: true, maxLength: 128, list: true, filter: true, search: true },
        description: { label: 'Description', kind: 'text', maxLength: 4000 },
        active: {
          label: 'Active',
          kind: 'boolean',
          default: true,
          help: 'Only active products can be assigned to clients.',
          list: true,
          filter: true,
        },
      },
    },
  ],
}
