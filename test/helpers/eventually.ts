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
