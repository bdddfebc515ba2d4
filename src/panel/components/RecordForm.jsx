import React, { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { Box, Button, Icon, MessageBox, Text } from '@adminjs/design-system'
import { BasePropertyComponent, LayoutElementRenderer, useCurrentAdmin, useNotice, useRecord, useTranslation } from 'adminjs'
import { useNavigate } from 'react-router'
import DateTime from './DateTime.jsx'
import FieldNote from './FieldNote.jsx'
import { localizeUtcTimes, zoneOf } from './date-time.js'
import { pageLayout } from './page-layout.js'

// The edit form that never loses work:
// - Save and "Save and continue editing" in a bar that stays in view at the bottom of the window;
// - leaving with unsaved changes (a link, the sidebar, back, reload, closing the tab) asks first;
// - required fields are checked before sending, in the server's words ("Manager is required");
// - after a refused save the page scrolls to the first field in error, focuses it, and lists every
//   error at the top;
// - a save refused because someone saved first (the answer's `stale` field errors) shows, per field
//   changed since, "yours" beside "theirs" with who and when; the user picks per field (or all of
//   theirs / all of mine) and saves on top of the version now stored. What was typed stays typed.

const LEAVE = 'You have unsaved changes. Leave this page and lose them?'
const empty = (value) => value === undefined || value === null || value === ''
const same = (a, b) => (empty(a) && empty(b)) || String(a ?? '') === String(b ?? '')

/** The fields the form shows, in form order (the DOM's), by property path. */
const shownFields = (form) =>
  form ? [...form.querySelectorAll('[data-testid^="property-edit-"]')].map((element) => element.getAttribute('data-testid').slice('property-edit-'.length)) : []

const focusField = (form, path) => {
  const section = form?.querySelector(`[data-testid="property-edit-${CSS.escape(path)}"]`)
  if (!section) return
  section.scrollIntoView({ block: 'center' })
  const input = section.querySelector('input:not([type=hidden]), textarea, select, [tabindex]:not([tabindex="-1"])')
  input?.focus({ preventScroll: true })
}

const RecordForm = (props) => {
  const { record: initialRecord, resource, action } = props
  const layout = pageLayout(action, resource)
  const { record, handleChange, submit, loading, setRecord } = useRecord(initialRecord, resource.id)
  const navigate = useNavigate()
  const formRef = useRef(null)
  const summaryRef = useRef(null)
  const [baseline, setBaseline] = useState(initialRecord?.params ?? {})
  const [summary, setSummary] = useState([])
  const [conflict, setConflict] = useState(null)
  const [choices, setChoices] = useState({})
  // Values the server stored differently from how they were typed ("@janetester" → "janetester").
  const [normalized, setNormalized] = useState([])
  const addNotice = useNotice()
  const [currentAdmin] = useCurrentAdmin()
  const leaving = useRef(false)
  // AdminJS's text inputs report a change on blur: typing not yet reported counts as a change too.
  const [typed, setTyped] = useState(false)
  const latest = useRef({ record, submit })
  latest.current = { record, submit }

  useEffect(() => {
    if (initialRecord) {
      setRecord(initialRecord)
      setBaseline(initialRecord.params)
    }
  }, [initialRecord])

  const properties = useMemo(() => new Map(resource.editProperties.map((property) => [property.propertyPath, property])), [resource])
  const { translateProperty } = useTranslation()
  const labelOf = (path) => translateProperty(properties.get(path)?.label ?? path, resource.id)
  const changed = useMemo(
    () => [...properties.keys()].some((path) => !same(record?.params?.[path], baseline?.[path])),
    [record, baseline, properties],
  )
  const dirty = typed || changed
  const dirtyRef = useRef(dirty)
  dirtyRef.current = dirty && !leaving.current

  // Reload, closing the tab, typing another address.
  useEffect(() => {
    const onBeforeUnload = (event) => {
      if (!dirtyRef.current) return undefined
      event.preventDefault()
      event.returnValue = LEAVE
      return LEAVE
    }
    window.addEventListener('beforeunload', onBeforeUnload)
    return () => window.removeEventListener('beforeunload', onBeforeUnload)
  }, [])

  // Links anywhere on the page (sidebar, breadcrumbs, top bar): asked before the router sees the click.
  useEffect(() => {
    const onClick = (event) => {
      if (!dirtyRef.current || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return
      const link = event.target.closest?.('a[href]')
      if (!link || formRef.current?.contains(link) || link.target === '_blank') return
      if (link.getAttribute('href').startsWith('#')) return
      if (window.confirm(LEAVE)) {
        leaving.current = true
        return
      }
      event.preventDefault()
      event.stopPropagation()
    }
    document.addEventListener('click', onClick, true)
    return () => document.removeEventListener('click', onClick, true)
  }, [])

  // Back and forward: a guard entry for this page is pushed once the form has changes; going back
  // from it asks, and stays (pushing the guard again) unless the user says leave.
  const guarded = useRef(false)
  useEffect(() => {
    if (!dirty || guarded.current) return
    guarded.current = true
    window.history.pushState({ ...window.history.state, formGuard: true }, '', window.location.href)
  }, [dirty])
  useEffect(() => {
    const onPopState = () => {
      if (!guarded.current || window.history.state?.formGuard) return
      if (!dirtyRef.current) {
        guarded.current = false
        window.history.back()
        return
      }
      if (window.confirm(LEAVE)) {
        leaving.current = true
        guarded.current = false
        window.history.back()
      } else {
        window.history.pushState({ ...window.history.state, formGuard: true }, '', window.location.href)
      }
    }
    window.addEventListener('popstate', onPopState)
    return () => window.removeEventListener('popstate', onPopState)
  }, [])

  const showErrors = useCallback((errors) => {
    const order = shownFields(formRef.current)
    const paths = Object.keys(errors).sort((a, b) => {
      const [x, y] = [order.indexOf(a), order.indexOf(b)]
      return (x === -1 ? 1e6 : x) - (y === -1 ? 1e6 : y)
    })
    setSummary(paths.map((path) => ({ path, label: labelOf(path), message: errors[path].message })))
    return paths
  }, [properties])

  /** Required fields the form shows and that are empty, in the server's words. */
  const missingRequired = (record) => {
    const errors = {}
    for (const path of shownFields(formRef.current)) {
      const property = properties.get(path)
      if (!property?.isRequired || property.type === 'password' || property.isDisabled) continue
      if (empty(record.params[path])) errors[path] = { message: `${labelOf(path)} is required`, type: 'required' }
    }
    return errors
  }

  const save = async ({ stay, extra = {} } = {}) => {
    // The field being typed in reports its value on blur: blur it and let that render first.
    if (formRef.current?.contains(document.activeElement)) document.activeElement.blur()
    await new Promise((resolve) => setTimeout(resolve, 0))
    const { record, submit } = latest.current
    const missing = missingRequired(record)
    if (Object.keys(missing).length && !Object.keys(extra).length) {
      setRecord({ ...record, errors: { ...record.errors, ...missing } })
      const [first] = showErrors(missing)
      setTimeout(() => focusField(formRef.current, first), 0)
      return
    }
    const response = await submit(extra)
    const answer = response.data
    const errors = answer.record?.errors ?? {}
    // The server names moments in UTC ("changed by … at 2026-12-06 23:25 UTC"); the form shows them
    // as every other time in the panel. Same merge as useRecord's own, with the messages rewritten.
    if (Object.keys(errors).length && answer.record) {
      const zone = zoneOf(currentAdmin)
      const localized = Object.fromEntries(Object.entries(errors).map(([path, error]) => [path, error?.message ? { ...error, message: localizeUtcTimes(error.message, zone) } : error]))
      setRecord({ ...answer.record, errors: localized, populated: { ...record.populated, ...answer.record.populated }, params: { ...record.params, ...answer.record.params } })
      Object.assign(errors, localized)
    }
    if (answer.notice?.type !== 'error' && !Object.keys(errors).length) {
      const saved = answer.record?.params ?? {}
      const changedByServer = [...properties.keys()]
        .filter((path) => properties.get(path)?.type !== 'password' && !empty(record.params[path]) && path in saved && !same(record.params[path], saved[path]))
        .map((path) => ({ path, label: labelOf(path), typed: String(record.params[path]), stored: empty(saved[path]) ? '(empty)' : String(saved[path]) }))
      setNormalized(changedByServer)
      if (changedByServer.length && !stay) {
        addNotice({ type: 'info', message: `Saved. ${changedByServer.map((item) => `${item.label} was saved as "${item.stored}" (typed "${item.typed}")`).join('; ')}.` })
      }
      setSummary([])
      setConflict(null)
      setTyped(false)
      setBaseline(answer.record?.params ?? record.params)
      if (stay && !initialRecord?.id && answer.record?.id) {
        // A new record goes on being edited as what it now is: an existing record.
        leaving.current = true
        navigate(`/admin/resources/${resource.id}/records/${answer.record.id}/edit`)
      } else if (!stay && answer.redirectUrl) {
        leaving.current = true
        navigate(answer.redirectUrl)
      }
      return
    }
    const stale = Object.entries(errors).filter(([, error]) => error?.type === 'stale' && error.currentVersion !== undefined)
    if (stale.length) {
      const typed = answer.record.params
      const fields = stale.map(([path, error]) => ({
        path,
        label: labelOf(path),
        yours: typed[path],
        theirs: error.theirs,
        hasTheirs: 'theirs' in error,
        changedBy: error.changedBy,
        changedAt: error.changedAt,
        touched: !same(typed[path], baseline[path]),
      }))
      setConflict({ version: stale[0][1].currentVersion, fields })
      setChoices(Object.fromEntries(fields.map((field) => [field.path, field.touched ? 'yours' : 'theirs'])))
      setSummary([])
      setTimeout(() => summaryRef.current?.scrollIntoView({ block: 'start' }), 0)
      return
    }
    const [first] = showErrors(errors)
    setTimeout(() => {
      summaryRef.current?.scrollIntoView({ block: 'start' })
      focusField(formRef.current, first)
    }, 0)
  }

  const saveMerged = async () => {
    const extra = { version: String(conflict.version) }
    for (const field of conflict.fields) {
      if (choices[field.path] !== 'theirs') continue
      // A secret has no value to show: keeping theirs means not sending one.
      extra[field.path] = field.hasTheirs ? field.theirs ?? '' : ''
    }
    // Theirs becomes the new starting point, so the fields taken from them do not count as changes.
    setBaseline((previous) => ({ ...previous, ...Object.fromEntries(conflict.fields.filter((field) => field.hasTheirs).map((field) => [field.path, field.theirs])) }))
    const current = latest.current.record
    const errors = { ...current.errors }
    for (const field of conflict.fields) delete errors[field.path]
    setRecord({ ...current, params: { ...current.params, ...extra }, errors })
    await save({ stay: false, extra })
  }

  const onSubmit = (event) => {
    event.preventDefault()
    const stay = event.nativeEvent?.submitter?.getAttribute('data-stay') === 'true'
    save({ stay })
    return false
  }

  return (
    <Box as="form" ref={formRef} onSubmit={onSubmit} onInput={() => setTyped(true)} noValidate flex flexDirection="column" data-css={`${resource.id}-${action.name}-form`} data-dirty={dirty ? 'true' : 'false'}>
      <Box ref={summaryRef}>
        {conflict && (
          <Box data-testid="conflict-merge" bg="white" p="xl" mb="xl" style={{ border: '2px solid #A14F17' }} role="region" aria-label="Changes made since you opened this form">
            <Text as="h3" fontWeight="bold" mb="default">Someone saved this record after you opened it</Text>
            <Text mb="lg">Nothing of yours was saved yet, and nothing you typed is lost. For each field they changed, keep yours or take theirs, then save on top of their version.</Text>
            <Box as="table" width="100%" style={{ borderCollapse: 'collapse' }}>
              <thead>
                <tr>
                  <th style={{ textAlign: 'left', padding: 8 }}>Field</th>
                  <th style={{ textAlign: 'left', padding: 8 }}>Yours</th>
                  <th style={{ textAlign: 'left', padding: 8 }}>Theirs</th>
                </tr>
              </thead>
              <tbody>
                {conflict.fields.map((field) => (
                  <tr key={field.path} data-testid={`conflict-${field.path}`} style={{ borderTop: '1px solid #BBC3CB' }}>
                    <td style={{ padding: 8, verticalAlign: 'top' }}>{field.label}</td>
                    <td style={{ padding: 8, verticalAlign: 'top' }}>
                      <label style={{ display: 'flex', gap: 8, alignItems: 'flex-start', cursor: 'pointer' }}>
                        <input type="radio" name={`choice-${field.path}`} checked={choices[field.path] === 'yours'} onChange={() => setChoices({ ...choices, [field.path]: 'yours' })} />
                        <span data-testid="yours">{empty(field.yours) ? <em>(empty)</em> : String(field.yours)}</span>
                      </label>
                    </td>
                    <td style={{ padding: 8, verticalAlign: 'top' }}>
                      <label style={{ display: 'flex', gap: 8, alignItems: 'flex-start', cursor: 'pointer' }}>
                        <input type="radio" name={`choice-${field.path}`} checked={choices[field.path] === 'theirs'} onChange={() => setChoices({ ...choices, [field.path]: 'theirs' })} />
                        <span>
                          <span data-testid="theirs">{!field.hasTheirs ? <em>(changed, not shown)</em> : empty(field.theirs) ? <em>(empty)</em> : String(field.theirs)}</span>
                          <br />
                          <Text as="span" color="grey60" fontSize="sm">
                            by {field.changedBy}, <DateTime value={field.changedAt} />
                          </Text>
                        </span>
                      </label>
                    </td>
                  </tr>
                ))}
              </tbody>
            </Box>
            <Box flex flexDirection="row" style={{ gap: 8, flexWrap: 'wrap' }} mt="lg">
              <Button type="button" variant="outlined" onClick={() => setChoices(Object.fromEntries(conflict.fields.map((field) => [field.path, 'theirs'])))}>Keep all of theirs</Button>
              <Button type="button" variant="outlined" onClick={() => setChoices(Object.fromEntries(conflict.fields.map((field) => [field.path, 'yours'])))}>Keep all of mine</Button>
              <Button type="button" variant="contained" data-testid="conflict-save" disabled={loading} onClick={saveMerged}>Save with these choices</Button>
            </Box>
          </Box>
        )}
        {normalized.length > 0 && (
          <Box mb="xl" data-testid="normalized">
            <MessageBox variant="info" message="Saved, with these values written the way the panel keeps them:">
              <Box as="ul" mt="default" style={{ listStyle: 'disc', paddingLeft: 20 }}>
                {normalized.map((item) => (
                  <li key={item.path}>{item.label}: saved as "{item.stored}" (you typed "{item.typed}")</li>
                ))}
              </Box>
            </MessageBox>
          </Box>
        )}
        {summary.length > 0 && (
          <Box mb="xl" role="alert" data-testid="error-summary">
            <MessageBox variant="danger" message={`Not saved: ${summary.length === 1 ? 'one field needs' : `${summary.length} fields need`} your attention`}>
              <Box as="ul" mt="default" style={{ listStyle: 'disc', paddingLeft: 20 }}>
                {summary.map((item) => (
                  <li key={item.path}>
                    <a href={`#${item.path}`} onClick={(event) => { event.preventDefault(); focusField(formRef.current, item.path) }}>
                      {item.label}
                    </a>
                    : {item.message}
                  </li>
                ))}
              </Box>
            </MessageBox>
          </Box>
        )}
      </Box>
      {normalized.map((item) => (
        <FieldNote key={item.path} form={formRef.current} path={item.path}>
          Saved as "{item.stored}" (you typed "{item.typed}")
        </FieldNote>
      ))}
      <Box>
        {layout
          ? layout.map((layoutElement, index) => (
              <LayoutElementRenderer key={index} layoutElement={layoutElement} {...props} where="edit" onChange={handleChange} record={record} />
            ))
          : resource.editProperties.map((property) => (
              <BasePropertyComponent key={property.propertyPath} where="edit" onChange={handleChange} property={property} resource={resource} record={record} />
            ))}
      </Box>
      <Box
        data-testid="form-actions"
        flex
        flexDirection="row"
        bg="white"
        py="lg"
        px="xl"
        mt="xl"
        style={{ position: 'sticky', bottom: 0, zIndex: 5, gap: 12, flexWrap: 'wrap', alignItems: 'center', boxShadow: '0 -4px 12px rgba(0,0,0,0.08)' }}
      >
        <Button variant="contained" type="submit" data-testid="button-save" disabled={loading}>
          {loading ? <Icon icon="Loader" spin /> : null}
          Save
        </Button>
        <Button variant="outlined" type="submit" data-stay="true" data-testid="button-save-continue" disabled={loading}>
          Save and continue editing
        </Button>
        {dirty && <Text color="grey60" data-testid="unsaved">Unsaved changes</Text>}
      </Box>
    </Box>
  )
}

export default RecordForm
