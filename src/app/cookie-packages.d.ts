// The versions express-session itself uses (cookie 0.7, cookie-signature 1.0) ship no types.

declare module 'cookie' {
  export function parse(header: string, options?: Record<string, unknown>): Record<string, string | undefined>
  export function serialize(name: string, value: string, options?: Record<string, unknown>): string
}

declare module 'cookie-signature' {
  export function sign(value: string, secret: string): string
  export function unsign(signed: string, secret: string): string | false
}
