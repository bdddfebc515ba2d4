import React, { useEffect, useState } from 'react'
import { Box, Button, Loader, MessageBox, Text } from '@adminjs/design-system'
import { useNotice } from 'adminjs'

// "Reset two-factor" on an admin user's record (administrators only): whether the user has
// two-factor login on, and the button that removes it (a lost phone). The server checks the right
// again and records the reset in the change history (src/account/account-routes.ts).
const ResetTwoFactor = ({ record }) => {
  const [state, setState] = useState(null)
  const [message, setMessage] = useState(null)
  const [busy, setBusy] = useState(false)
  const addNotice = useNotice()
  const userPath = `/admin/api/account/users/${encodeURIComponent(record.id)}/two-factor`
  const who = `${record.params.name} (${record.params.email})`

  useEffect(() => {
    fetch(userPath, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then((response) => (response.ok ? response.json() : Promise.reject(response)))
      .then((data) => setState(data.twoFactor))
      .catch(() => setMessage({ variant: 'danger', text: 'The two-factor state could not be loaded. Please reload the page.' }))
  }, [userPath])

  const reset = async () => {
    setBusy(true)
    setMessage(null)
    const response = await fetch(`${userPath}/reset`, { method: 'POST', credentials: 'same-origin', headers: { Accept: 'application/json' } })
    const data = await response.json().catch(() => ({}))
    setBusy(false)
    if (!response.ok) return setMessage({ variant: 'danger', text: data.error ?? 'Not reset.' })
    setState({ enrolled: false, recoveryCodesLeft: 0 })
    const text = `Two-factor login of ${who} was reset. They log in with their password alone now and can set it up again on their account page.`
    setMessage({ variant: 'success', text })
    addNotice({ type: 'success', message: 'Two-factor login reset' })
  }

  return (
    <Box variant="container" data-testid="reset-two-factor">
      {message && <MessageBox mb="xl" variant={message.variant} message={message.text} />}
      {!state && !message && <Loader />}
      {state?.enrolled && (
        <>
          <Text mb="lg">
            {who} has two-factor login on ({state.recoveryCodesLeft} of 10 recovery codes left). Reset it when they lost their phone and
            their recovery codes: they then log in with the password alone (or are taken to set it up again, if your panel requires it).
            The reset is recorded in the change history.
          </Text>
          <Button variant="contained" color="danger" disabled={busy} onClick={reset}>Reset two-factor login</Button>
        </>
      )}
      {state && !state.enrolled && !message && <Text>{who} has no two-factor login: there is nothing to reset.</Text>}
    </Box>
  )
}

export default ResetTwoFactor
