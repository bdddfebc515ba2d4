import React from 'react'
import { Box, CurrentUserNav } from '@adminjs/design-system'
import { useTranslation, ViewHelpers } from 'adminjs'
import { useNavigate } from 'react-router'

// AdminJS's top-bar user menu: "My account", and "Log out" sent as a POST: logging out is a state
// change, and a link or an image on another site must not be able to do it (GET /admin/logout only
// shows a button).
const postTo = (path) => {
  const form = document.createElement('form')
  form.method = 'POST'
  form.action = path
  document.body.appendChild(form)
  form.submit()
}

const h = new ViewHelpers()

const LoggedIn = ({ session, paths }) => {
  const { translateButton, translatePage } = useTranslation()
  const navigate = useNavigate()
  const dropActions = [
    {
      label: translatePage('account'),
      onClick: (event) => {
        event.preventDefault()
        navigate(h.pageUrl('account'))
      },
      icon: 'User',
    },
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
