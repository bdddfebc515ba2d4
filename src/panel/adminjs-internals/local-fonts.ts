import { createRequire } from 'node:module'
import path from 'node:path'
import express, { type RequestHandler } from 'express'

// Why: AdminJS's page template links Google Fonts with this exact tag; it is rewritten to a local copy.

export const GOOGLE_FONTS_LINK = '<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto:300,400,500,700" type="text/css">'
const FONTS_PATH = '/assets/fonts/roboto'
const LOCAL_FONTS_LINKS = ['300', '400', '500', '700']
  .map((weight) => `<link rel="stylesheet" href="${FONTS_PATH}/${weight}.css" type="text/css">`)
  .join('')

const robotoDir = path.dirname(createRequire(import.meta.url).resolve('@fontsource/roboto/400.css'))

/** Serves Roboto from our own origin: the panel's pages load nothing from another host. */
export const serveLocalFonts = () => express.static(robotoDir, { immutable: true, maxAge: '30d' })
export const localFontsPath = FONTS_PATH

/** AdminJS's page templates link Google Fonts; point them at the local copy instead. */
export const rewriteFontLinks: RequestHandler = (_req, res, next) => {
  const send = res.send.bind(res)
  res.send = (body?: unknown) => {
    if (typeof body === 'string' && body.includes(GOOGLE_FONTS_LINK)) body = body.replace(GOOGLE_FONTS_LINK, LOCAL_FONTS_LINKS)
    return send(body)
  }
  next()
}
