import { useEffect, useMemo, useState } from 'react'
import { ApiClient } from 'adminjs'
import { isListKey } from './use-list-address.js'

// The list's rows and the user's remembered page size and columns (kept per user on the server,
// so they follow a person from one browser to another). Rows are read only once the preferences
// are known, so the first page is never drawn with the wrong size or columns.

const api = new ApiClient()
const preferencesUrl = (resourceId) => `/admin/api/list-preferences/${encodeURIComponent(resourceId)}`

export function useListData({ resource, params, isFiltered }) {
  const [preferences, setPreferences] = useState(null)
  const [data, setData] = useState(null)
  const [allTotal, setAllTotal] = useState(null)
  const [failure, setFailure] = useState(null)
  const [loading, setLoading] = useState(false)
  // Bumped after a row action (a delete) to read the page again.
  const [reload, setReload] = useState(0)

  useEffect(() => {
    let gone = false
    fetch(preferencesUrl(resource.id), { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then((response) => (response.ok ? response.json() : { perPage: null, columns: null }))
      .catch(() => ({ perPage: null, columns: null }))
      .then((stored) => !gone && setPreferences(stored))
    return () => {
      gone = true
    }
  }, [resource.id])

  const defaultColumns = useMemo(() => resource.listProperties.map((property) => property.propertyPath), [resource])
  const columns = preferences?.columns?.length ? preferences.columns : defaultColumns
  const perPage = Number(params.get('perPage')) || preferences?.perPage || 10

  const listQuery = useMemo(() => {
    const query = new URLSearchParams()
    for (const [key, value] of params) if (isListKey(key) || key === 'page') query.append(key, value)
    query.set('perPage', String(perPage))
    if (preferences?.columns?.length) query.set('columns', preferences.columns.join(','))
    return query
  }, [params, perPage, preferences])

  useEffect(() => {
    if (!preferences) return undefined
    let gone = false
    setLoading(true)
    api
      .resourceAction({ resourceId: resource.id, actionName: 'list', params: Object.fromEntries(listQuery) })
      .then((response) => {
        if (gone) return
        if (response.data?.error) setFailure(response.data.error)
        else {
          setFailure(null)
          setData(response.data)
        }
      })
      .catch((error) => !gone && setFailure(error?.response?.data?.error ?? 'The list could not be loaded.'))
      .finally(() => !gone && setLoading(false))
    return () => {
      gone = true
    }
  }, [listQuery.toString(), resource.id, preferences, reload])

  // The count line's "of N": the list's total without filters or search, once per visit.
  useEffect(() => {
    if (!isFiltered || allTotal !== null) return
    api
      .resourceAction({ resourceId: resource.id, actionName: 'list', params: { perPage: '1' } })
      .then((response) => setAllTotal(response.data?.meta?.total ?? null))
      .catch(() => undefined)
  }, [isFiltered, resource.id])

  // Shown at once; stored in the background, as a lost preference only costs a choice made again.
  const savePreference = (body) => {
    setPreferences((before) => ({ ...before, ...body }))
    const form = new URLSearchParams()
    if (body.perPage) form.set('perPage', String(body.perPage))
    if (body.columns !== undefined) form.set('columns', (body.columns ?? []).join(','))
    fetch(preferencesUrl(resource.id), {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: form.toString(),
    }).catch(() => undefined)
  }

  return {
    data,
    records: data?.records ?? [],
    total: data?.meta?.total ?? 0,
    allTotal,
    failure,
    loading,
    columns,
    perPage,
    savePreference,
    readAgain: () => setReload((n) => n + 1),
  }
}
