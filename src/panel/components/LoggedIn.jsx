import React from 'react'
import { Box, CurrentUserNav } from '@adminjs/design-system'
import { useTranslation } from 'adminjs'

// AdminJS's top-bar user menu, with "Log out" sent as a POST: logging out is a state change, and a
// link or an image on another site must not be able to do it (GET /admin/logout only shows a button).
const postTo = (path) => {
  const form = document.createElement('form')
  form.method = 'POST'
  form.action = path
  document.body.appendChild(form)
  form.submit()
}

const LoggedIn = ({ session, paths }) => {
  const { translateButton } = useTranslation()
  const dropActions = [
    {
      label: translateButton('logout'),
      onClick: (event) => {
        event.preventDefault()
        postTo(paths.logoutPath)
      },
      icon: 'LogOut',
    },
  ]
  return (
    <Box flexShrink={0} data-css="logged-in">
      <CurrentUserNav name={session.email} title={session.title} avatarUrl={session.avatarUrl} dropActions={dropActions} />
    </Box>
  )
}

export default LoggedIn
