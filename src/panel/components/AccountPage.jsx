import React, { useCallback, useEffect, useState } from 'react'
import {
  Badge,
  Box,
  Button,
  FormGroup,
  FormMessage,
  H2,
  H4,
  Input,
  Label,
  Loader,
  MessageBox,
  Radio,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Text,
} from '@adminjs/design-system'
import DateTime from './DateTime.jsx'
import TimeZonePicker from './TimeZonePicker.jsx'

// "My account" (/admin/pages/account), for every user: two-factor login, own password, own
// sessions, and for administrators the two-factor requirement. Everything goes through
// /admin/api/account (src/account/account-routes.ts), which checks every rule again.

const ACCOUNT_API = '/admin/api/account'
const REQUIREMENT_LABELS = { off: 'Nobody', admins: 'Administrators', everyone: 'Everyone' }

/** Same-origin JSON call; a session that has ended sends the browser to the login page. */
async function call(path, { method = 'GET', body } = {}) {
  const response = await fetch(`${ACCOUNT_API}${path}`, {
    method,
    credentials: 'same-origin',
    headers: { Accept: 'application/json', ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  })
  if (response.status === 401) {
    window.location.assign('/admin/login')
    return new Promise(() => {})
  }
  const data = await response.json().catch(() => ({}))
  return { ok: response.ok, status: response.status, data }
}

const errorText = (answer, fallback) => answer.data?.error ?? fallback
const groupsOfFour = (secret) => secret.replace(/(.{4})/g, '$1 ').trim()

const Card = ({ title, testId, children }) => (
  <Box variant="card" p="xl" mb="xl" data-testid={testId}>
    <H4 mb="lg">{title}</H4>
    {children}
  </Box>
)

const Field = ({ id, label, error, ...input }) => (
  <FormGroup error={Boolean(error)}>
    <Label htmlFor={id}>{label}</Label>
    <Input id={id} name={id} width={1} style={{ maxWidth: 360 }} {...input} />
    <FormMessage data-testid={`${id}-error`}>{error}</FormMessage>
  </FormGroup>
)

const RecoveryCodes = ({ codes, onDone }) => (
  <Box data-testid="recovery-codes">
    <MessageBox
      mb="lg"
      variant="warning"
      message="Save these recovery codes now: print them or keep them in a password manager. Each one logs you in once without your phone. They are shown only this once."
    />
    <Box as="ol" mb="lg" style={{ fontFamily: 'monospace', fontSize: 16, columns: 2, maxWidth: 420 }}>
      {codes.map((code) => (
        <li key={code} data-testid="recovery-code">{code}</li>
      ))}
    </Box>
    <Box flex flexDirection="row" style={{ gap: 12, flexWrap: 'wrap' }}>
      <Button type="button" variant="outlined" data-testid="recovery-copy" onClick={() => navigator.clipboard?.writeText(codes.join('\n'))}>Copy</Button>
      <Button type="button" variant="outlined" data-testid="recovery-download" onClick={() => downloadText('recovery-codes.txt', `Recovery codes for the SMS Client Admin panel (each works once):\n\n${codes.join('\n')}\n`)}>Download</Button>
      <Button variant="contained" onClick={onDone}>I have saved them</Button>
    </Box>
  </Box>
)

/** Saves `text` as a file from the page (no request: the codes never leave the browser again). */
const downloadText = (name, text) => {
  const link = document.createElement('a')
  link.href = URL.createObjectURL(new Blob([text], { type: 'text/plain' }))
  link.download = name
  document.body.appendChild(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(link.href), 1000)
}

const TwoFactor = ({ state, requiredForMe, onChanged }) => {
  const [enrolment, setEnrolment] = useState(null)
  const [code, setCode] = useState('')
  const [codes, setCodes] = useState(null)
  const [error, setError] = useState(null)
  const [busy, setBusy] = useState(false)

  const start = async () => {
    setBusy(true)
    setError(null)
    const answer = await call('/two-factor', { method: 'POST' })
    setBusy(false)
    if (answer.ok) setEnrolment(answer.data)
    else setError(errorText(answer, 'Two-factor login could not be set up.'))
  }
  const confirm = async (event) => {
    event.preventDefault()
    setBusy(true)
    setError(null)
    const answer = await call('/two-factor/confirm', { method: 'POST', body: { code } })
    setBusy(false)
    if (!answer.ok) return setError(errorText(answer, 'That code is not right.'))
    setEnrolment(null)
    setCode('')
    setCodes(answer.data.recoveryCodes)
  }

  if (codes) {
    return (
      <Card title="Two-factor login" testId="account-two-factor">
        <MessageBox mb="lg" variant="success" message="Two-factor login is on. From your next login on, the panel asks for a code from your app after the password." />
        <RecoveryCodes codes={codes} onDone={() => { setCodes(null); onChanged() }} />
      </Card>
    )
  }
  if (state.enrolled) {
    return (
      <Card title="Two-factor login" testId="account-two-factor">
        <Text mb="default">
          <Badge variant="success" mr="default">On</Badge>
          After your password, the panel asks for a code from your authenticator app. Recovery codes left: {state.recoveryCodesLeft} of 10.
        </Text>
        <Text color="grey60">To turn it off, or to set it up on a new phone, ask an administrator to reset it (Admin users → your record → Reset two-factor).</Text>
      </Card>
    )
  }
  return (
    <Card title="Two-factor login" testId="account-two-factor">
      <Text mb="lg">
        <Badge mr="default" style={{ background: "#454655", borderColor: "#454655", color: "#fff" }}>Off</Badge>
        With two-factor login, your password alone does not open the panel: it also asks for a code from an authenticator app on your phone.
        {requiredForMe ? ' Your panel requires it for you.' : ''}
      </Text>
      {error && <MessageBox mb="lg" variant="danger" message={error} />}
      {!enrolment ? (
        <Button variant="contained" disabled={busy} onClick={start}>Set up two-factor login</Button>
      ) : (
        <Box as="form" onSubmit={confirm}>
          <Text mb="default">1. Scan this code with an authenticator app (Google Authenticator, Microsoft Authenticator, 1Password, Aegis…), or type the key into it.</Text>
          <Box flex flexDirection="row" alignItems="center" mb="lg" style={{ gap: 24, flexWrap: 'wrap' }}>
            <img src={enrolment.qrDataUrl} alt="QR code for your authenticator app" width={220} height={220} data-testid="two-factor-qr" />
            <Box>
              <Text variant="sm" color="grey60">Key</Text>
              <Text style={{ fontFamily: 'monospace', fontSize: 18, letterSpacing: '0.1em' }} data-testid="two-factor-secret">
                {groupsOfFour(enrolment.secret)}
              </Text>
            </Box>
          </Box>
          <Text mb="default">2. Enter the 6-digit code the app shows.</Text>
          <Field id="code" label="Code from the app" autoComplete="one-time-code" inputMode="numeric" value={code} onChange={(event) => setCode(event.target.value)} />
          <Button variant="contained" type="submit" disabled={busy || !code.trim()}>Turn on</Button>
        </Box>
      )}
    </Card>
  )
}

const EMPTY_PASSWORDS = { currentPassword: '', newPassword: '', newPasswordConfirmation: '' }

const Password = ({ rules, onChanged }) => {
  const [values, setValues] = useState(EMPTY_PASSWORDS)
  const [errors, setErrors] = useState({})
  const [refusal, setRefusal] = useState(null)
  const [done, setDone] = useState(false)
  const [busy, setBusy] = useState(false)
  const change = (name) => (event) => setValues({ ...values, [name]: event.target.value })

  const submit = async (event) => {
    event.preventDefault()
    setBusy(true)
    setErrors({})
    setRefusal(null)
    setDone(false)
    const answer = await call('/password', { method: 'POST', body: values })
    setBusy(false)
    if (answer.ok) {
      setValues(EMPTY_PASSWORDS)
      setDone(true)
      onChanged()
      return
    }
    if (answer.data?.errors) setErrors(Object.fromEntries(Object.entries(answer.data.errors).map(([field, error]) => [field, error.message])))
    else setRefusal(errorText(answer, 'The password was not changed.'))
  }

  return (
    <Card title="Password" testId="account-password">
      {done && (
        <MessageBox mb="lg" variant="success" message="Your password was changed. All your other sessions were ended: other browsers and devices have to log in again with the new password." />
      )}
      {refusal && <MessageBox mb="lg" variant="danger" message={refusal} />}
      <Box as="form" onSubmit={submit}>
        <Field id="currentPassword" label="Current password" type="password" autoComplete="current-password" value={values.currentPassword} onChange={change('currentPassword')} error={errors.currentPassword} />
        <Field id="newPassword" label={`New password (${rules.minLength} to ${rules.maxLength} characters)`} type="password" autoComplete="new-password" value={values.newPassword} onChange={change('newPassword')} error={errors.newPassword} />
        <Field id="newPasswordConfirmation" label="New password again" type="password" autoComplete="new-password" value={values.newPasswordConfirmation} onChange={change('newPasswordConfirmation')} error={errors.newPasswordConfirmation} />
        <Button variant="contained" type="submit" disabled={busy}>Change password</Button>
      </Box>
    </Card>
  )
}

const Sessions = ({ sessions, onEnd, onEndOthers, message }) => (
  <Card title="Your sessions" testId="account-sessions">
    <Text mb="lg" color="grey60">Where you are logged in now. End any session you do not recognise, and change your password.</Text>
    {message && <MessageBox mb="lg" variant={message.variant} message={message.text} />}
    {sessions.some((session) => !session.current) && (
      <Button mb="lg" type="button" variant="outlined" data-testid="end-other-sessions" onClick={onEndOthers}>End all other sessions</Button>
    )}
    <Table>
      <TableHead>
        <TableRow>
          <TableCell>Started</TableCell>
          <TableCell>Last seen</TableCell>
          <TableCell>Browser</TableCell>
          <TableCell>Address</TableCell>
          <TableCell />
        </TableRow>
      </TableHead>
      <TableBody>
        {sessions.map((session) => (
          <TableRow key={session.id} data-testid={session.current ? 'session-current' : 'session-other'}>
            <TableCell style={{ whiteSpace: 'nowrap' }}>{session.startedAt ? <DateTime value={session.startedAt} /> : '—'}</TableCell>
            <TableCell style={{ whiteSpace: 'nowrap' }}>{session.lastSeenAt ? <DateTime value={session.lastSeenAt} /> : '—'}</TableCell>
            <TableCell title={session.browser ?? undefined}>{session.browserName ?? session.browser ?? '—'}</TableCell>
            <TableCell style={{ whiteSpace: 'nowrap' }}>{session.address ?? '—'}</TableCell>
            <TableCell style={{ textAlign: 'right' }}>
              {session.current ? (
                <Badge variant="primary">This session</Badge>
              ) : (
                <Button size="sm" variant="outlined" onClick={() => onEnd(session)}>End</Button>
              )}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  </Card>
)

/** `holdsMe(requirement)`: whether it requires two-factor of this user, who has not set it up. */
const Requirement = ({ value, onSaved, holdsMe }) => {
  const [choice, setChoice] = useState(value)
  const [saved, setSaved] = useState(value)
  const [message, setMessage] = useState(null)
  const [busy, setBusy] = useState(false)
  useEffect(() => setChoice(value), [value])
  useEffect(() => setSaved(value), [value])

  const save = async () => {
    setBusy(true)
    setMessage(null)
    const answer = await call('/settings', { method: 'POST', body: { twoFactorRequired: choice } })
    setBusy(false)
    if (answer.ok) {
      const now = answer.data.twoFactorRequired
      const held = holdsMe(now)
      const applies = held
        ? 'That includes you: your next click takes you to set up yours.'
        : 'Whoever must and has not set it up is taken to do so at their next click.'
      setMessage({ variant: 'success', text: `Saved. Two-factor login is now required for: ${REQUIREMENT_LABELS[now].toLowerCase()}. ${applies}` })
      setSaved(now)
      // Reloading the page's data would be that next click: this user is held until they set it up.
      if (!held) onSaved()
    } else {
      setMessage({ variant: 'danger', text: answer.data?.errors?.twoFactorRequired?.message ?? errorText(answer, 'Not saved.') })
    }
  }

  return (
    <Card title="Two-factor requirement (administrators)" testId="account-requirement">
      <Text mb="lg" color="grey60">
        Who must use two-factor login. A user who must and has not set it up is taken to set it up right after the password, and can do nothing else until done.
        To reset another user's two-factor login (a lost phone), open the user under Admin users and choose Reset two-factor.
      </Text>
      {message && <MessageBox mb="lg" variant={message.variant} message={message.text} />}
      <Box mb="lg" role="radiogroup" aria-label="Two-factor login required for">
        {Object.entries(REQUIREMENT_LABELS).map(([key, label]) => (
          <Box key={key} flex flexDirection="row" alignItems="center" mb="sm">
            <Radio id={`requirement-${key}`} name="twoFactorRequired" value={key} checked={choice === key} onChange={() => setChoice(key)} />
            <Label inline htmlFor={`requirement-${key}`} ml="default" mb="0">{label}</Label>
          </Box>
        ))}
      </Box>
      <Button variant="contained" disabled={busy || choice === saved} onClick={save}>Save requirement</Button>
    </Card>
  )
}

const AccountPage = () => {
  const [account, setAccount] = useState(null)
  const [sessions, setSessions] = useState([])
  const [sessionMessage, setSessionMessage] = useState(null)
  const [failed, setFailed] = useState(false)

  const load = useCallback(async () => {
    const [me, mine] = await Promise.all([call(''), call('/sessions')])
    if (!me.ok || !mine.ok) return setFailed(true)
    setAccount(me.data)
    setSessions(mine.data.sessions)
  }, [])
  useEffect(() => {
    load().catch(() => setFailed(true))
  }, [load])

  const endSession = async (session) => {
    setSessionMessage(null)
    const answer = await call(`/sessions/${encodeURIComponent(session.id)}`, { method: 'DELETE' })
    setSessionMessage(answer.ok ? { variant: 'success', text: 'The session was ended: that browser has to log in again.' } : { variant: 'danger', text: errorText(answer, 'The session was not ended.') })
    await load()
  }

  const endOthers = async () => {
    setSessionMessage(null)
    const others = sessions.filter((session) => !session.current)
    const answers = await Promise.all(others.map((session) => call(`/sessions/${encodeURIComponent(session.id)}`, { method: 'DELETE' })))
    const ended = answers.filter((answer) => answer.ok).length
    setSessionMessage(
      ended === others.length
        ? { variant: 'success', text: `${ended === 1 ? 'The other session was' : `All ${ended} other sessions were`} ended: those browsers have to log in again.` }
        : { variant: 'danger', text: `${ended} of ${others.length} other sessions were ended; reload and try again for the rest.` },
    )
    await load()
  }

  if (failed) {
    return (
      <Box p="xxl">
        <MessageBox variant="danger" message="Your account could not be loaded. Please reload the page." />
      </Box>
    )
  }
  if (!account) return <Loader />

  const { user, twoFactor, twoFactorRequired, passwordRules } = account
  const requiredForMe = twoFactorRequired === 'everyone' || (twoFactorRequired === 'admins' && user.role === 'admin')
  return (
    <Box p="xxl" data-testid="account-page" style={{ maxWidth: 1100 }}>
      <H2 mb="sm">My account</H2>
      <Text mb="xl" color="grey60">
        {user.name} · {user.email} · {user.role === 'admin' ? 'Administrator' : 'Manager'}
      </Text>
      <TwoFactor state={twoFactor} requiredForMe={requiredForMe} onChanged={load} />
      <Password rules={passwordRules} onChanged={load} />
      <TimeZonePicker value={user.timeZone} />
      {user.role === 'admin' && (
        <Requirement
          value={twoFactorRequired}
          onSaved={load}
          holdsMe={(requirement) => !twoFactor.enrolled && (requirement === 'everyone' || (requirement === 'admins' && user.role === 'admin'))}
        />
      )}
      <Sessions sessions={sessions} onEnd={endSession} onEndOthers={endOthers} message={sessionMessage} />
    </Box>
  )
}

export default AccountPage
