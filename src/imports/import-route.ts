import { createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import type { CurrentAdmin } from 'adminjs'
import busboy from 'busboy'
import type { Request, RequestHandler, Response } from 'express'
import type { Logger } from 'pino'
import { isStaff } from '../access/index.js'
import { ImportFileError, readCsvFile } from './csv-file.js'
import { runImport, type ImportOptions } from './csv-import.js'

/**
 * POST /admin/imports/<Resource> (multipart: `file`, `dryRun` = 1 | 0): the upload is streamed to
 * a temporary file by busboy (with the size limit enforced while it arrives, never whole in
 * memory), read back through csv-parse, and checked or applied by runImport. Registered before
 * AdminJS's router, whose multipart parser would otherwise read the body first.
 */

type Options = Omit<ImportOptions, 'onProgress'> & { maxBytes: number; maxRows: number; logger: Logger }

const refuse = (res: Response, status: number, error: string) => res.status(status).json({ error })
const megabytes = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`

type Upload = { file?: string; dryRun: boolean; tooBig: boolean }

/** Saves the `file` part to `dir`; resolves once the whole request has been read. */
function receive(req: Request, dir: string, maxBytes: number): Promise<Upload> {
  return new Promise((resolve, reject) => {
    const upload: Upload = { dryRun: true, tooBig: false }
    let parser: busboy.Busboy
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: maxBytes, files: 1, fields: 10, parts: 12 } })
    } catch {
      return reject(new ImportFileError('Send the file as multipart/form-data, in a field named "file".'))
    }
    const writes: Promise<void>[] = []
    parser.on('field', (name, value) => {
      if (name === 'dryRun') upload.dryRun = value !== '0'
    })
    parser.on('file', (name, stream) => {
      if (name !== 'file' || upload.file) return stream.resume()
      upload.file = path.join(dir, 'upload.csv')
      stream.on('limit', () => {
        upload.tooBig = true
      })
      writes.push(pipeline(stream, createWriteStream(upload.file)))
    })
    parser.on('error', (error) => reject(new ImportFileError(`The upload could not be read: ${(error as Error).message}`)))
    parser.on('close', () => Promise.all(writes).then(() => resolve(upload), reject))
    req.pipe(parser)
  })
}

export function csvImportRoute(options: Options): RequestHandler {
  return (req, res, next) => importCsv(req, res).catch(next)

  async function importCsv(req: Request, res: Response) {
    const currentAdmin = req.session?.adminUser as CurrentAdmin | undefined
    if (!currentAdmin) return refuse(res, 401, 'Please log in to import.')
    if (!isStaff({ currentAdmin })) return refuse(res, 403, 'You may not import these records.')
    const declared = Number(req.headers['content-length'])
    // Far beyond the limit: refused before reading it (the multipart framing adds a little).
    if (declared > options.maxBytes + 64 * 1024) {
      req.resume()
      return refuse(res, 413, `The file is larger than the ${megabytes(options.maxBytes)} an import takes.`)
    }
    const dir = await mkdtemp(path.join(os.tmpdir(), 'import-'))
    try {
      const upload = await receive(req, dir, options.maxBytes)
      if (upload.tooBig) return refuse(res, 413, `The file is larger than the ${megabytes(options.maxBytes)} an import takes.`)
      if (!upload.file) return refuse(res, 400, 'Choose a CSV file to import (form field "file").')
      const file = await readCsvFile(upload.file, { maxRows: options.maxRows })
      const report = await runImport(file, currentAdmin, upload.dryRun, options)
      res.status(200).json(report)
    } catch (error) {
      if (error instanceof ImportFileError) return refuse(res, error.status, error.message)
      throw error
    } finally {
      await rm(dir, { recursive: true, force: true }).catch((error) => options.logger.warn({ err: error }, 'could not remove an import upload'))
    }
  }
}
