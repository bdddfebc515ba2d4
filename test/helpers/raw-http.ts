/**
 * Clients that behave as real ones do over a real connection: a login answering the session
 * cookie, a download opened and never read, an upload that never ends. For the tests that need the
 * app listening on a port (supertest's in-process requests cannot stall or be cut off).
 */
import assert from 'node:assert/strict'
import type http from 'node:http'
import net, { type AddressInfo } from 'node:net'
import { eventually } from './eventually.js'
import { PASSWORD } from './harness.js'

export type Listening = { server: http.Server; port: number; base: string; close: () => Promise<void> }

/** The app on a free local port; `close` also ends connections still open (stalled clients). */
export async function listen(app: http.RequestListener): Promise<Listening> {
  const { createServer } = await import('node:http')
  const server = createServer(app).listen(0, '127.0.0.1')
  await new Promise<void>((resolve) => server.once('listening', () => resolve()))
  const port = (server.address() as AddressInfo).port
  return {
    server,
    port,
    base: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

/** Logs in over a real connection and answers the session cookie. */
export async function loginCookie(base: string, email: string, password = PASSWORD) {
  const response = await fetch(`${base}/admin/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email, password }),
  })
  assert.equal(response.status, 302, `log in as ${email}`)
  return response.headers.get('set-cookie')!.split(';')[0]
}

/** A connection that sends a GET of `path` and then reads nothing: a download opened and never read. */
export function stalledDownload(port: number, path: string, cookie: string) {
  const socket = net.connect(port, '127.0.0.1')
  let closed = false
  const closedAt = new Promise<void>((resolve) => socket.once('close', () => ((closed = true), resolve())))
  socket.on('error', () => undefined)
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${cookie}\r\n\r\n`)
  socket.pause()
  return { socket, closedAt, isClosed: () => closed }
}

export type EndlessUpload = { status: string; head: string; accepted: number; closedByServer: boolean }

/**
 * POSTs a chunked body that never ends: chunks go out as fast as the server takes them, for up to
 * `forMs`, while the answer is read. Answers the status line and head of the answer, how many body
 * bytes the connection accepted, and whether the server closed the connection.
 */
export function endlessUpload(port: number, options: { path: string; contentType: string; cookie?: string; forMs?: number; preamble?: string }): Promise<EndlessUpload> {
  const { forMs = 6000 } = options
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    let answer = ''
    let accepted = 0
    let closedByServer = false
    let done = false
    const finish = () => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      const head = answer.split('\r\n\r\n')[0]
      resolve({ status: head.split('\r\n')[0], head, accepted, closedByServer })
    }
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')))
    socket.on('end', () => (closedByServer = true))
    socket.on('close', () => {
      closedByServer = true
      finish()
    })
    socket.on('error', () => finish())
    const timer = setTimeout(finish, forMs + 8000)
    const chunk = Buffer.alloc(256 * 1024, 'a')
    const framed = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')])
    socket.write(
      `POST ${options.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${options.contentType}\r\nTransfer-Encoding: chunked\r\n${options.cookie ? `Cookie: ${options.cookie}\r\n` : ''}\r\n`,
    )
    if (options.preamble) socket.write(`${Buffer.byteLength(options.preamble).toString(16)}\r\n${options.preamble}\r\n`)
    const started = Date.now()
    const pump = async () => {
      while (!done && !closedByServer && Date.now() - started < forMs) {
        const flushed = new Promise<void>((resolve) => socket.write(framed, () => resolve()))
        // A write the server does not take within a second: it stopped reading.
        const taken = await Promise.race([flushed.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 1000))])
        if (!taken) {
          // Stopped reading: what matters now is its answer and its close, which the waits below see.
          break
        }
        accepted += chunk.length
      }
      // Give the answer and the close time to arrive, then stop.
      await eventually(async () => closedByServer, 4000)
      finish()
    }
    void pump()
  })
}
