import React from 'react'
import { Box, Button, DrawerContent, DrawerFooter, Icon, Text } from '@adminjs/design-system'
import { ActionHeader, useTranslation } from 'adminjs'

// The drawer of "Export CSV": download links to /admin/exports/<Resource>.csv (and .xlsx) with the list's own
// query (filters, sort) as the page's address carries it, or with the ids of the list's selection.
// A plain link: the file streams straight to disk, and nothing runs inline (CSP).

const isListQuery = (key) => key.startsWith('filters.') || key === 'q' || key === 'sortBy' || key === 'direction'

const ExportCsv = (props) => {
  const { resource, action, records } = props
  const query = new URLSearchParams()
  for (const [key, value] of new URLSearchParams(window.location.search)) {
    if (isListQuery(key) && !(records && (key.startsWith('filters.') || key === 'q'))) query.append(key, value)
  }
  if (records) query.set('ids', records.map((record) => record.id).join(','))
  const search = query.toString()
  const hrefOf = (extension) => `/admin/exports/${encodeURIComponent(resource.id)}.${extension}${search ? `?${search}` : ''}`

  const { translateProperty, translateLabel } = useTranslation()
  const labelOf = (path) => translateProperty(path, resource.id)
  const filters = [...query].filter(([key]) => key.startsWith('filters.'))
  const sortBy = query.get('sortBy')
  const plural = translateLabel(resource.id).toLowerCase()

  return (
    <>
      <DrawerContent>
        {action?.showInDrawer ? <ActionHeader omitActions {...props} /> : null}
        <Text mb="lg">
          {records
            ? `A CSV file of the ${records.length} selected ${records.length === 1 ? 'record' : plural}.`
            : `A CSV file of all ${plural} the list matches (every page, not only this one), in the list’s order.`}
        </Text>
        {filters.length ? (
          <Box mb="lg" data-testid="export-csv-filters">
            <Text fontWeight="bold">Filters</Text>
            {filters.map(([key, value]) => (
              <Text key={key}>{`${labelOf(key.slice('filters.'.length).split('~~')[0])}${key.includes('~~') ? ` (${key.split('~~')[1]})` : ''}: ${value}`}</Text>
            ))}
          </Box>
        ) : null}
        {query.get('q') ? <Text mb="lg" data-testid="export-csv-search">{`Search: “${query.get('q')}”`}</Text> : null}
        {sortBy ? <Text mb="lg">{`Sorted by ${labelOf(sortBy)}, ${query.get('direction') === 'desc' ? 'descending' : 'ascending'}.`}</Text> : null}
        <Text variant="sm">
          CSV opens in any spreadsheet (UTF-8, comma-separated); cells that a spreadsheet would run as a formula start with an apostrophe. XLSX
          keeps each cell's type: codes, logins, phones and times as text, amounts as numbers, dates as dates. Both import back as they are. The
          export is recorded in the change history.
        </Text>
      </DrawerContent>
      <DrawerFooter>
        <Button as="a" href={hrefOf('csv')} variant="contained" size="lg" data-testid="export-csv-download">
          <Icon icon="Download" />
          Download CSV
        </Button>
        <Button as="a" href={hrefOf('xlsx')} variant="outlined" size="lg" ml="default" data-testid="export-xlsx-download">
          <Icon icon="Download" />
          Download XLSX
        </Button>
      </DrawerFooter>
    </>
  )
}

export default ExportCsv
