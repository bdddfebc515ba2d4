import React, { useEffect, useState } from 'react'
import { Box, Link, Table, TableBody, TableCell, TableHead, TableRow, Text } from '@adminjs/design-system'
import { ApiClient, useResource, useTranslation, ViewHelpers } from 'adminjs'
import DateTime from './DateTime.jsx'

// Records of another resource that point at this one (a client's sender names), declared by the
// registry entry's `related` (src/panel/related-lists.ts): the first ten, a link to the list
// filtered the same way, and "New" with this record already chosen.
const h = new ViewHelpers()
const PER_PAGE = 10

const RelatedList = ({ record, property }) => {
  const { resource: resourceId, through, label } = property.custom
  const [page, setPage] = useState(null)
  const { translateProperty } = useTranslation()
  const related = useResource(resourceId)
  // As the list shows a value: an option's label, a time in the reader's zone.
  const shown = (name, value) => {
    if (value === null || value === undefined) return ''
    const property = related?.properties?.[name]
    const option = property?.availableValues?.find((choice) => String(choice.value) === String(value))
    if (option) return option.label
    if (property?.type === 'datetime' || name === 'createdAt' || name === 'updatedAt') return <DateTime value={value} />
    return String(value)
  }

  useEffect(() => {
    new ApiClient()
      .resourceAction({ resourceId, actionName: 'list', params: { [`filters.${through}`]: String(record.id), perPage: PER_PAGE } })
      .then((response) => setPage({ records: response.data.records ?? [], total: response.data.meta?.total ?? 0 }))
      .catch(() => setPage({ records: [], total: 0 }))
  }, [record.id])

  const listUrl = h.resourceUrl({ resourceId, search: `?${new URLSearchParams({ [`filters.${through}`]: String(record.id) })}` })
  const newUrl = `${h.resourceActionUrl({ resourceId, actionName: 'new' })}?${new URLSearchParams({ [through]: String(record.id) })}`
  if (page === null) return <Text>Loading…</Text>
  const columns = page.records.length ? Object.keys(page.records[0].params).filter((name) => !['id', through].includes(name)) : []
  return (
    <Box mb="xl" data-testid={`related-${resourceId}`}>
      {page.records.length ? (
        <Table>
          <TableHead>
            <TableRow>
              {columns.map((name) => (
                <TableCell key={name}>{translateProperty(name, resourceId)}</TableCell>
              ))}
            </TableRow>
          </TableHead>
          <TableBody>
            {page.records.map((row) => (
              <TableRow key={row.id}>
                {columns.map((name, i) => (
                  <TableCell key={name}>
                    {i === 0 ? <Link href={h.recordActionUrl({ resourceId, recordId: row.id, actionName: 'show' })}>{shown(name, row.params[name])}</Link> : shown(name, row.params[name])}
                  </TableCell>
                ))}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      ) : (
        <Text mb="lg">None yet.</Text>
      )}
      <Box mt="lg" flex style={{ gap: 24 }}>
        <Link href={listUrl}>{page.total > page.records.length ? `All ${page.total} ${label.toLowerCase()}` : `Open the list of ${label.toLowerCase()}`}</Link>
        <Link href={newUrl} data-testid={`related-${resourceId}-new`}>New</Link>
      </Box>
    </Box>
  )
}

export default RelatedList
