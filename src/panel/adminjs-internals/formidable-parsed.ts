import type { Request } from 'express'

// Why: @adminjs/express parses every panel request with express-formidable (no limits, uploads to
// disk); express-formidable skips a request whose `express_formidable.parsed` flag is set, so
// src/http/request-bodies.ts reads bodies itself and sets that flag.

/** An upload kept in memory, as the panel's actions find it in `req.files.<field>`. */
export type UploadedFile = { name: string; type: string; size: number; buffer: Buffer }

type ParsedRequest = Request & { fields?: Record<string, unknown>; files?: Record<string, UploadedFile>; express_formidable?: { parsed: boolean } }

/** Hands a body read here to AdminJS as express-formidable would, and tells express-formidable not to read it. */
export const markParsed = (req: Request, fields: Record<string, unknown> = {}, files: Record<string, UploadedFile> = {}) =>
  Object.assign(req, { fields, files, express_formidable: { parsed: true } })

/** Whether the request's body was already read (by us, or by express-formidable). */
export const isParsed = (req: Request) => Boolean((req as ParsedRequest).express_formidable?.parsed)
