import React from 'react'
import { Box, Text } from '@adminjs/design-system'
import { useTranslation, ViewHelpers } from 'adminjs'
import { Link } from 'react-router-dom'
import { actionName, recordName } from './record-title.js'

// Home / Clients / Client acme-01 / Edit: the record's name links to its page, the action is named
// as the panel names it elsewhere ("Import", not AdminJS's "Import Csv").
const h = new ViewHelpers()
const linkStyle = { color: 'inherit', textDecoration: 'none' }

const Breadcrumbs = ({ resource, record, actionName: name }) => {
  const { translateLabel, translateAction } = useTranslation()
  const action = resource.actions.find((candidate) => candidate.name === name)
  const hasList = resource.resourceActions.some((candidate) => candidate.name === 'list')
  const hasShow = record?.recordActions?.some((candidate) => candidate.name === 'show')
  const crumbs = [{ label: translateLabel('dashboard'), to: h.dashboardUrl() }]
  crumbs.push({ label: translateLabel(resource.name, resource.id), to: hasList ? resource.href || h.resourceUrl({ resourceId: resource.id }) : undefined })
  if (record?.id) crumbs.push({ label: recordName(translateLabel, resource, record), to: hasShow && name !== 'show' ? h.recordActionUrl({ resourceId: resource.id, recordId: record.id, actionName: 'show' }) : undefined })
  if (action && action.name !== 'list' && action.name !== 'show') crumbs.push({ label: actionName(translateLabel, translateAction, resource, action) })
  return (
    <Box as="nav" aria-label="Breadcrumb" flexGrow={1} data-css={`${resource.id}-${name}-breadcrumbs`}>
      <Text as="ol" style={{ display: 'flex', flexWrap: 'wrap', listStyle: 'none', margin: 0, padding: 0 }} color="grey60">
        {crumbs.map((crumb, index) => {
          const last = index === crumbs.length - 1
          return (
            <li key={index} style={{ display: 'inline' }}>
              {crumb.to && !last ? <Link to={crumb.to} style={linkStyle}>{crumb.label}</Link> : <span aria-current={last ? 'page' : undefined} style={{ color: last ? '#0C1E29' : undefined }}>{crumb.label}</span>}
              {!last && <span aria-hidden="true" style={{ padding: '0 8px' }}>/</span>}
            </li>
          )
        })}
      </Text>
    </Box>
  )
}

export default Breadcrumbs
