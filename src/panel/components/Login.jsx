import React from 'react'
import { Box, Button, FormGroup, H2, Input, Label, MessageBox, Text } from '@adminjs/design-system'
import { useTranslation } from 'adminjs'
import { useSelector } from 'react-redux'

// AdminJS's login page, with what a password manager and a screen reader need: labels tied to
// their inputs, `username` / `current-password` (AdminJS marks it a new password, so managers
// offer to generate one), the e-mail kept after a wrong password, and the form posting back to the
// page the login was asked for (`action` carries ?next=, app.ts).
const Login = () => {
  const { action, errorMessage: message, email } = window.__APP_STATE__ ?? {}
  const { translateComponent, translateMessage } = useTranslation()
  const branding = useSelector((state) => state.branding)
  const shown = message ? (message.split(' ').length > 1 ? message : translateMessage(message)) : null

  return (
    <Box as="main" flex variant="grey" style={{ minHeight: '100%', alignItems: 'center', justifyContent: 'center' }} py="xl">
      <Box bg="white" boxShadow="login" width={['100%', '480px']} p={['lg', 'x3']}>
        <Box as="form" action={action} method="POST">
          <Box mb="xl">
            {branding.logo ? <img src={branding.logo} alt={branding.companyName} style={{ maxWidth: 200 }} /> : null}
          </Box>
          <H2 fontWeight="lighter">{translateComponent('Login.welcomeHeader')}</H2>
          <Text mb="xl">{translateComponent('Login.welcomeMessage')}</Text>
          {shown && (
            <Box role="alert" my="lg">
              <MessageBox message={shown} variant="danger" />
            </Box>
          )}
          <FormGroup>
            <Label htmlFor="login-email" required>{translateComponent('Login.properties.email')}</Label>
            <Input
              id="login-email"
              name="email"
              type="email"
              autoComplete="username"
              required
              defaultValue={email ?? ''}
              autoFocus={!email}
              width="100%"
            />
          </FormGroup>
          <FormGroup>
            <Label htmlFor="login-password" required>{translateComponent('Login.properties.password')}</Label>
            <Input id="login-password" type="password" name="password" autoComplete="current-password" required autoFocus={Boolean(email)} width="100%" />
          </FormGroup>
          <Text mt="xl" textAlign="center">
            <Button variant="contained" type="submit">{translateComponent('Login.loginButton')}</Button>
          </Text>
        </Box>
      </Box>
    </Box>
  )
}

export default Login
