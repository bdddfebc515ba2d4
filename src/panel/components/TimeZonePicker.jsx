import React, { useEffect, useState } from 'react'
import { Box, Button, FormGroup, FormMessage, H4, Label, MessageBox, Text } from '@adminjs/design-system'
import { useCurrentAdmin } from 'adminjs'
import { browserZone, formatDateTime, zoneLabel } from './date-time.js'

// "Time zone" on My account: the zone every date and time in the panel is shown in, kept with the
// user on the server (POST /admin/api/account/time-zone). Empty: the browser's own zone.

const ZONES = ['UTC', ...(Intl.supportedValuesOf?.('timeZone') ?? [])]

const TimeZonePicker = ({ value }) => {
  const [currentAdmin, setCurrentAdmin] = useCurrentAdmin()
  const [choice, setChoice] = useState(value ?? '')
  const [saved, setSaved] = useState(value ?? '')
  const [message, setMessage] = useState(null)
  const [error, setError] = useState(null)
  const [busy, setBusy] = useState(false)
  useEffect(() => {
    setChoice(value ?? '')
    setSaved(value ?? '')
  }, [value])
  // A zone stored earlier that this browser does not list stays choosable.
  const zones = saved && !ZONES.includes(saved) ? [saved, ...ZONES] : ZONES

  const save = async () => {
    setBusy(true)
    setMessage(null)
    setError(null)
    const response = await fetch('/admin/api/account/time-zone', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: JSON.stringify({ timeZone: choice }),
    }).catch(() => null)
    const data = await response?.json().catch(() => ({}))
    setBusy(false)
    if (!response?.ok) {
      setError(data?.errors?.timeZone?.message ?? data?.error ?? 'Not saved: the server did not answer. Try again.')
      return
    }
    const timeZone = data.timeZone ?? null
    setSaved(timeZone ?? '')
    // Every time on every page follows at once, without a reload.
    setCurrentAdmin({ ...currentAdmin, timeZone })
    const zone = timeZone || browserZone()
    setMessage(`Saved. Times are now shown in ${zoneLabel(zone)}, e.g. now: ${formatDateTime(new Date(), zone)}.`)
  }

  return (
    <Box variant="card" p="xl" mb="xl" data-testid="account-time-zone">
      <H4 mb="lg">Time zone</H4>
      <Text mb="lg" color="grey60">
        Every date and time in the panel is shown in this zone, in your browser's language; hover a time to see it in UTC.
      </Text>
      {message && <MessageBox mb="lg" variant="success" message={message} />}
      <FormGroup error={Boolean(error)}>
        <Label htmlFor="timeZone">Show times in</Label>
        <select
          id="timeZone"
          name="timeZone"
          value={choice}
          onChange={(event) => setChoice(event.target.value)}
          style={{ display: 'block', width: '100%', maxWidth: 360, padding: '8px', fontSize: 14, border: '1px solid #898A9A', borderRadius: 0, background: '#fff', color: '#0C1E29' }}
        >
          <option value="">This browser's zone: {zoneLabel(browserZone())}</option>
          {zones.map((zone) => (
            <option key={zone} value={zone}>{zoneLabel(zone)}</option>
          ))}
        </select>
        <FormMessage data-testid="timeZone-error">{error}</FormMessage>
      </FormGroup>
      <Button variant="contained" disabled={busy || choice === saved} onClick={save} data-testid="save-time-zone">Save time zone</Button>
    </Box>
  )
}

export default TimeZonePicker
