import React, { useEffect, useState } from 'react'
import { Box, H2, H4, Link, Loader, MessageBox, Table, TableBody, TableCell, TableHead, TableRow, Text } from '@adminjs/design-system'
import { ApiClient, ViewHelpers } from 'adminjs'
import DateTime from './DateTime.jsx'

// The home page for administrators and managers: how many clients there are and in what state,
// each number linked to the client list filtered the same way, and the latest changes.
// Data: GET /admin/api/dashboard (src/app/dashboard.ts).

const h = new ViewHelpers()
/** The list filter value for "no currency yet" (NOT_SET_FILTER in src/panel/adapter/filters.ts). */
const NOT_SET = '__FORM_VALUE_NULL__'
const STATUS_LABELS = { active: 'Active', expired: 'Expired' }
const ACTION_LABELS = { create: 'Created', update: 'Changed', delete: 'Deleted' }

const clientList = (filters = {}) => {
  const search = Object.entries(filters)
    .map(([key, value]) => `filters.${key}=${encodeURIComponent(String(value))}`)
    .join('&')
  return h.resourceUrl({ resourceId: 'Client', search: search ? `?${search}` : '' })
}
const number = (n) => n.toLocaleString('en')

const Tile = ({ label, value, href, testId }) => (
  <Box variant="card" flex flexDirection="column" p="xl" mr="lg" mb="lg" style={{ minWidth: 170, flex: '1 1 170px' }} data-testid={testId}>
    <Text variant="sm" color="grey60" mb="sm">{label}</Text>
    <Link href={href} style={{ fontSize: 32, fontWeight: 700, textDecoration: 'none' }} data-testid={`${testId}-link`}>
      {number(value)}
    </Link>
  </Box>
)

const CountTable = ({ title, heading, rows, testId }) => (
  <Box variant="card" p="xl" mr="lg" mb="lg" style={{ flex: '1 1 320px' }} data-testid={testId}>
    <H4 mb="lg">{title}</H4>
    <Table>
      <TableHead>
        <TableRow>
          <TableCell>{heading}</TableCell>
          <TableCell style={{ textAlign: 'right' }}>Clients</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {rows.map((row) => (
          <TableRow key={row.key} data-testid={`${testId}-${row.key || 'none'}`}>
            <TableCell>{row.label}</TableCell>
            <TableCell style={{ textAlign: 'right' }}>
              <Link href={row.href}>{number(row.count)}</Link>
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  </Box>
)

const recordLink = (change) =>
  change.action === 'delete'
    ? h.recordActionUrl({ resourceId: 'ChangeHistory', recordId: change.id, actionName: 'show' })
    : h.recordActionUrl({ resourceId: change.resource, recordId: change.recordId, actionName: 'show' })

const RecentChanges = ({ changes, showResource }) => (
  <Box variant="card" p="xl" mr="lg" mb="lg" data-testid="dashboard-recent-changes">
    <H4 mb="lg">Latest changes</H4>
    {changes.length === 0 ? (
      <Text color="grey60">Nothing has been changed yet. New clients and edits will show up here.</Text>
    ) : (
      <Table>
        <TableHead>
          <TableRow>
            <TableCell>When</TableCell>
            <TableCell>By</TableCell>
            <TableCell>Record</TableCell>
            <TableCell>What</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {changes.map((change) => (
            <TableRow key={change.id}>
              <TableCell style={{ whiteSpace: 'nowrap' }}><DateTime value={change.at} /></TableCell>
              <TableCell style={{ whiteSpace: 'nowrap' }}>{change.actor}</TableCell>
              <TableCell style={{ whiteSpace: 'nowrap' }}>
                <Link href={recordLink(change)}>
                  {showResource ? `${change.resourceLabel ?? change.resource} ` : ''}
                  {change.title ?? `#${change.recordId}`}
                </Link>
              </TableCell>
              <TableCell>
                <Text as="span" fontWeight="bold">{ACTION_LABELS[change.action] ?? change.action}</Text>
                {change.summary ? `: ${change.summary}` : ''}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    )}
  </Box>
)

const Dashboard = () => {
  const [data, setData] = useState(null)
  const [failed, setFailed] = useState(false)

  useEffect(() => {
    new ApiClient()
      .getDashboard()
      .then((response) => setData(response.data))
      .catch(() => setFailed(true))
  }, [])

  if (failed) {
    return (
      <Box p="xxl">
        <MessageBox variant="danger" message="The overview could not be loaded. Please reload the page." />
      </Box>
    )
  }
  if (!data?.clients) return <Loader />

  const { clients, recentChanges, role } = data
  const isAdmin = role === 'admin'
  const currencies = Object.entries(clients.byCurrency).map(([code, count]) => ({
    key: code,
    label: code || 'Not set yet',
    count,
    href: clientList({ currency: code || NOT_SET }),
  }))

  return (
    <Box p={['default', 'xxl']} data-testid="dashboard">
      <H2 mb="sm">{isAdmin ? 'All clients' : 'Your clients'}</H2>
      <Text color="grey60" mb="xl">
        {isAdmin ? 'Every client on the platform, and what changed lately.' : 'The clients you manage, and what changed lately.'}
      </Text>

      {clients.total === 0 ? (
        <Box variant="card" p="xl" mr="lg" mb="lg" data-testid="dashboard-empty">
          <H4 mb="default">No clients yet</H4>
          <Text mb="lg">{isAdmin ? 'Nobody has created a client yet.' : 'You do not manage any clients yet.'}</Text>
          <Link href={h.resourceActionUrl({ resourceId: 'Client', actionName: 'new' })}>Create the first client</Link>
        </Box>
      ) : (
        <>
          <Box flex flexWrap="wrap">
            <Tile label="Clients" value={clients.total} href={clientList()} testId="dashboard-total" />
            {Object.entries(STATUS_LABELS).map(([status, label]) => (
              <Tile
                key={status}
                label={label}
                value={clients.byDeliveryStatus[status] ?? 0}
                href={clientList({ deliveryStatus: status })}
                testId={`dashboard-status-${status}`}
              />
            ))}
            <Tile
              label="Created in the last 7 days"
              value={clients.createdLast7Days}
              href={clientList({ 'createdAt~~from': clients.createdSince.last7Days })}
              testId="dashboard-created-7"
            />
            <Tile
              label="Created in the last 30 days"
              value={clients.createdLast30Days}
              href={clientList({ 'createdAt~~from': clients.createdSince.last30Days })}
              testId="dashboard-created-30"
            />
          </Box>
          <Box flex flexWrap="wrap">
            <CountTable title="By currency" heading="Currency" rows={currencies} testId="dashboard-currency" />
            {isAdmin && clients.byManager && (
              <CountTable
                title="By manager"
                heading="Manager"
                testId="dashboard-manager"
                rows={clients.byManager.map((manager) => ({
                  key: String(manager.id),
                  label: manager.name,
                  count: manager.count,
                  href: clientList({ managerId: manager.id }),
                }))}
              />
            )}
          </Box>
        </>
      )}
      <RecentChanges changes={recentChanges} showResource={isAdmin} />
    </Box>
  )
}

export default Dashboard
