/**
 * What `read` answers once it is truthy, or after `timeout` ms whatever it answers then: for
 * waits on something another process or thread does (a worker starting, a history entry written,
 * a render). The timeout only catches what never happens, so on a loaded machine it must be generous.
 */
export async function eventually<T>(read: () => Promise<T>, timeout = 5_000): Promise<T> {
  const end = Date.now() + timeout
  let value = await read()
  while (!value && Date.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, 25))
    value = await read()
  }
  return value
}

/**
 * Waits for `promise` for at most `timeout` ms. The deadline's timer is cleared as soon as the
 * promise settles: a timer left pending keeps the test file's process alive until it fires (one
 * such 60 s deadline once kept a finished file running for a minute).
 */
export async function settledWithin(promise: Promise<unknown>, timeout: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, timeout)))])
  } finally {
    clearTimeout(timer)
  }
}

/** Retries `assertion` until it holds, for up to `timeout` ms (a browser page renders after its requests), then throws its last failure. */
export async function eventuallyHolds(assertion: () => Promise<void>, timeout = 15_000): Promise<void> {
  const end = Date.now() + timeout
  for (;;) {
    try {
      return await assertion()
    } catch (error) {
      if (Date.now() > end) throw error
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}
