import React, { useState } from 'react'
import { Box, Button, MessageBox, Text } from '@adminjs/design-system'
import { ApiClient, useCurrentAdmin, useNotice } from 'adminjs'
import { useNavigate } from 'react-router'
import { Link } from 'react-router-dom'
import { localizeUtcTimes, zoneOf } from './date-time.js'

// `SenderName` → "sender name": what the entry is about, in words.
const recordKind = (resource) => String(resource ?? 'record').replace(/(?<=[a-z])(?=[A-Z])/g, ' ').toLowerCase()

// The "Revert this change" page of a history entry: what the entry changed, and the buttons that
// put it back (the server checks everything again and says why when it refuses). An entry that can
// no longer apply (already reverted, changed again since, client deleted: the server's
// `revertBlocked`) says so at once, with no button to press for a refusal.
const RevertChange = ({ record, resource }) => {
  const [busy, setBusy] = useState(false)
  const [refusal, setRefusal] = useState(null)
  const addNotice = useNotice()
  const [currentAdmin] = useCurrentAdmin()
  const navigate = useNavigate()
  const operation = record.params.operation
  const blocked = record.params.revertBlocked
  const historyUrl = `/admin/resources/ChangeHistory/records/${record.id}/show`

  const run = (whole) => {
    setBusy(true)
    setRefusal(null)
    new ApiClient()
      .recordAction({ resourceId: resource.id, recordId: record.id, actionName: 'revert', data: whole ? { whole: '1' } : {} })
      .then(({ data }) => {
        if (data.notice) addNotice(data.notice)
        if (data.notice?.type === 'success' && data.redirectUrl) navigate(data.redirectUrl)
        else setRefusal(localizeUtcTimes(data.notice?.message ?? 'Not reverted', zoneOf(currentAdmin)))
      })
      .catch(() => setRefusal('Not reverted: the server did not answer'))
      .finally(() => setBusy(false))
  }

  return (
    <Box variant="container" data-testid="revert-change">
      {blocked && (
        <Box mb="xl" role="status" data-testid="revert-blocked">
          <MessageBox variant="danger" message={`This change cannot be reverted: ${blocked}.`} />
          <Text mt="lg">
            <Link to={historyUrl}>Back to the change</Link>
          </Text>
        </Box>
      )}
      <Text mb="lg">
        Puts these fields of{' '}
        <Link to={`/admin/resources/${record.params.resource}/records/${record.params.recordId}/show`} data-testid="revert-record-link">
          {recordKind(record.params.resource)} #{record.params.recordId}
        </Link>{' '}
        back to their values before change #{record.id}, as a new change by you:
      </Text>
      <Text mb="sm" fontWeight="bold">{blocked ? 'What the revert would have done' : 'What the revert will do'}</Text>
      <Text mb="lg" style={{ whiteSpace: 'pre-wrap' }} data-testid="revert-will-do">{record.params.revertSummary ?? record.params.summary}</Text>
      <Text mb="xl" color="grey60" style={{ whiteSpace: 'pre-wrap' }}>The change being reverted: {record.params.summary}</Text>
      {refusal && <MessageBox mb="xl" variant="danger" message={refusal} />}
      {!blocked && <Box flex flexDirection="row">
        <Button variant="contained" mr="lg" disabled={busy} onClick={() => run(false)}>
          Revert this change
        </Button>
        {operation && (
          <Button variant="outlined" disabled={busy} onClick={() => run(true)}>
            Revert the whole operation ({operation})
          </Button>
        )}
      </Box>}
    </Box>
  )
}

export default RevertChange
