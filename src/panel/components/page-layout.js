/**
 * An action's form layout. Record answers carry none (10 KB of a client's page, the same for every
 * record a role opens): the page takes it from its resource, which the panel loaded with its state.
 */
export const pageLayout = (action, resource) =>
  action?.layout ?? resource?.actions?.find((candidate) => candidate.name === action?.name)?.layout
