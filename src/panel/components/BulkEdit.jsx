import React, { useEffect, useMemo, useRef, useState } from 'react'
import { Box, Button, CheckBox, DrawerContent, DrawerFooter, FormGroup, FormMessage, Label, Link, MessageBox, Text } from '@adminjs/design-system'
import { ActionHeader, ApiClient, useCurrentAdmin, useNotice, useTranslation, ViewHelpers } from 'adminjs'
import { useLocation, useNavigate } from 'react-router'
import BulkEditFieldInput from './BulkEditFieldInput.jsx'
import BulkEditPreview from './BulkEditPreview.jsx'

// "Edit selected" and "Edit all matching": tick the fields to change, preview what the change does
// to every client (and which rules it breaks where), then apply it. Only ticked fields are sent.

const api = new ApiClient()
const h = new ViewHelpers()

// In a drawer (all matching) the buttons stay in its footer; on a page (selected) below the form.
const PageContent = (props) => <Box variant="container" {...props} />
const PageFooter = (props) => <Box mt="xl" {...props} />

// A set-once field (currency) starts empty: its first choice would be a guess that can never be undone.
const firstValue = (field) => (field.readOnlyOnceSet ? '' : field.kind === 'boolean' ? 'true' : field.options?.[0]?.value ?? '')

const BulkEdit = ({ action, resource, records }) => {
  const location = useLocation()
  const navigate = useNavigate()
  const [currentAdmin] = useCurrentAdmin()
  const addNotice = useNotice()
  const isSelection = action.actionType === 'bulk'
  const recordIds = useMemo(() => (records ?? []).map((record) => record.id), [records])
  // The list's own query (filters, sort, page), without what belongs to this action.
  const listQuery = useMemo(() => {
    const query = new URLSearchParams(location.search)
    for (const key of ['recordIds', 'refresh', 'allMatching']) query.delete(key)
    return query
  }, [location.search])
  // The list's filters and its search (q), which bound "all matching" as they bound the list.
  const filters = useMemo(() => Object.fromEntries([...listQuery].filter(([key]) => key.startsWith('filters.') || key === 'q')), [listQuery])

  const { translateProperty } = useTranslation()
  // Which fields come from the action; their labels and choices from the resource's properties.
  const fields = (action.custom?.fields ?? [])
    .filter((field) => field.name !== 'managerId' || currentAdmin?.role === 'admin')
    .map((field) => {
      const property = resource.properties[field.name] ?? {}
      return {
        ...field,
        label: translateProperty(field.name, resource.id),
        options: property.availableValues?.length ? property.availableValues : undefined,
        reference: property.reference ?? undefined,
      }
    })
  const [touched, setTouched] = useState({})
  const [values, setValues] = useState({})
  const [matching, setMatching] = useState(isSelection ? recordIds.length : null)
  const [preview, setPreview] = useState(null)
  const [result, setResult] = useState(null)
  const [failure, setFailure] = useState(null)
  const [busy, setBusy] = useState(false)
  const previewBox = useRef(null)
  // The preview shows below the form: bring it into view (the buttons may be far from it).
  useEffect(() => {
    if (preview || failure) previewBox.current?.scrollIntoView({ block: 'nearest', behavior: 'smooth' })
  }, [preview, failure])

  useEffect(() => {
    if (isSelection) return
    api
      .resourceAction({ resourceId: resource.id, actionName: action.name, params: filters })
      .then((response) => setMatching(response.data.total ?? 0))
      .catch(() => setMatching(0))
  }, [isSelection, resource.id, action.name, filters])

  const changed = () => {
    setPreview(null)
    setFailure(null)
  }
  const toggle = (field) => {
    setTouched((before) => ({ ...before, [field.name]: !before[field.name] }))
    setValues((before) => (field.name in before ? before : { ...before, [field.name]: firstValue(field) }))
    changed()
  }
  const setValue = (field, value) => {
    setValues((before) => ({ ...before, [field.name]: value }))
    changed()
  }

  const send = async (dryRun) => {
    const data = new FormData()
    for (const field of fields) if (touched[field.name]) data.set(field.name, values[field.name] ?? '')
    data.set('dryRun', dryRun ? '1' : '0')
    setBusy(true)
    try {
      const response = isSelection
        ? await api.bulkAction({ resourceId: resource.id, actionName: action.name, recordIds, data, method: 'post' })
        : await api.resourceAction({ resourceId: resource.id, actionName: action.name, data, method: 'post', params: { ...filters, allMatching: '1' } })
      const body = response.data
      if (!body.report) {
        setFailure({ message: body.notice?.message ?? 'The change was refused', errors: body.record?.errors ?? {} })
        return
      }
      if (dryRun) setPreview(body.report)
      else if (body.report.failed && !body.operation) {
        setPreview(body.report)
        setFailure({ message: body.notice?.message, errors: {} })
      } else {
        setResult({ report: body.report, operation: body.operation })
        if (body.notice) addNotice(body.notice)
      }
    } catch (error) {
      setFailure({ message: 'The server did not answer. Nothing was changed.', errors: {} })
    } finally {
      setBusy(false)
    }
  }

  const backToList = () => {
    const query = new URLSearchParams(listQuery)
    query.set('refresh', 'true')
    navigate(h.resourceUrl({ resourceId: resource.id, search: `?${query}` }))
  }

  const labelOf = (name) => fields.find((field) => field.name === name)?.label ?? (name === 'id' ? 'Client' : name)
  const anyTouched = fields.some((field) => touched[field.name])
  const what = isSelection
    ? `${recordIds.length} selected client${recordIds.length === 1 ? '' : 's'}`
    : matching === null
      ? 'all clients matching this filter'
      : `all ${matching} client${matching === 1 ? '' : 's'} matching this filter`

  const inDrawer = Boolean(action.showInDrawer)
  const Content = inDrawer ? DrawerContent : PageContent
  const Footer = inDrawer ? DrawerFooter : PageFooter
  const header = inDrawer ? <ActionHeader omitActions resource={resource} action={action} /> : null

  if (result) {
    const { report, operation } = result
    return (
      <>
        <Content data-testid="bulk-edit-result">
          {header}
          <MessageBox variant="success" mb="xl" message={`Changed ${report.updated} of ${report.total} clients; ${report.unchanged} were already so.`} />
          {report.failed ? <Text mb="lg">{report.failed} requested clients were not found or are not yours; they were left alone.</Text> : null}
          {operation ? (
            <Link href={h.resourceUrl({ resourceId: 'ChangeHistory', search: `?${new URLSearchParams({ 'filters.operation': operation })}` })}>
              See this change in the change history
            </Link>
          ) : null}
        </Content>
        <Footer>
          <Button type="button" variant="contained" onClick={backToList} data-testid="bulk-edit-back">
            Back to the list
          </Button>
        </Footer>
      </>
    )
  }

  // A ticked field without a value (a set-once field starts empty) cannot be previewed yet.
  const missingValue = fields.find((field) => touched[field.name] && field.readOnlyOnceSet && !values[field.name])
  const applyBlocked = !anyTouched
    ? 'Tick a field to change first.'
    : missingValue
      ? `Choose a ${missingValue.label} first.`
      : !preview
        ? 'Preview first: Apply is enabled once the preview shows what will change.'
        : preview.failed > 0
          ? `${preview.failed} client${preview.failed === 1 ? '' : 's'} would break a rule (see the rows above): change the values or narrow the list, then preview again.`
          : preview.updated === 0
            ? 'Nothing would change: every client already has these values.'
            : null
  return (
    <>
      <Content data-testid="bulk-edit">
        {header}
        <Text mb="lg">
          Change <strong>{what}</strong>. Tick the fields to change; the others stay as they are on every client.
        </Text>
        {!isSelection && !Object.keys(filters).length ? (
          <MessageBox variant="info" mb="lg" message="No filter is set: this changes every client you can see." />
        ) : null}
        <Box flex flexDirection="row" flexWrap="wrap">
          {fields.map((field) => {
            const error = failure?.errors?.[field.name]
            return (
              <Box key={field.name} flexBasis="50%" pr="lg">
                <FormGroup error={Boolean(error)} mb="default">
                  <Box flex flexDirection="row" alignItems="center">
                    <CheckBox id={`bulk-touch-${field.name}`} checked={Boolean(touched[field.name])} onChange={() => toggle(field)} />
                    <Label inline htmlFor={`bulk-touch-${field.name}`} ml="default" mb={0}>
                      Change {field.label}
                    </Label>
                  </Box>
                  {touched[field.name] ? (
                    <Box mt="sm" mb="lg">
                      <BulkEditFieldInput field={field} value={values[field.name]} onChange={(value) => setValue(field, value)} resourceId={resource.id} disabled={busy} />
                      {field.readOnlyOnceSet ? <Text variant="sm" mt="sm">Only set on clients that have none yet.</Text> : null}
                      {field.pairedWith ? <Text variant="sm" mt="sm">Set together with {labelOf(field.pairedWith)}, or a client without one is refused.</Text> : null}
                    </Box>
                  ) : null}
                  <FormMessage>{error?.message}</FormMessage>
                </FormGroup>
              </Box>
            )
          })}
        </Box>

        {failure ? <MessageBox variant="danger" my="lg" message={failure.message} /> : null}

        {preview ? <BulkEditPreview preview={preview} labelOf={labelOf} /> : null}
        <div ref={previewBox} />
      </Content>
      <Footer>
        <Button type="button" variant="outlined" mr="default" disabled={!anyTouched || Boolean(missingValue) || busy} onClick={() => send(true)} data-testid="bulk-edit-preview-button">
          Preview
        </Button>
        <Button
          type="button"
          variant="contained"
          disabled={Boolean(applyBlocked) || busy}
          onClick={() => send(false)}
          data-testid="bulk-edit-apply"
          aria-describedby="bulk-edit-apply-why"
        >
          {preview ? `Apply to ${preview.updated} clients` : 'Apply'}
        </Button>
        {applyBlocked ? (
          <Text as="span" id="bulk-edit-apply-why" ml="lg" variant="sm" data-testid="bulk-edit-apply-why">
            {applyBlocked}
          </Text>
        ) : null}
      </Footer>
    </>
  )
}

export default BulkEdit
