// autocannon ships no types; the bench uses its programmatic API through bench/load.ts only.
declare module 'autocannon' {
  const autocannon: {
    (options: Record<string, unknown>): Promise<unknown>
    /** With a callback: the running instance, which `stop()` ends early (the callback gets the results). */
    (options: Record<string, unknown>, done: (error: Error | null, result: unknown) => void): { stop: () => void }
  }
  export default autocannon
}
