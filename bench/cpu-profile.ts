// Reads a V8 .cpuprofile (node --cpu-prof): where the samples fall, by frame, by package, and by
// package anywhere on the stack (what a layer costs with everything it calls).

type CallFrame = { functionName: string; url: string; lineNumber: number }
type ProfileNode = { id: number; callFrame: CallFrame; hitCount?: number; children?: number[] }
export type Profile = { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] }

export type Share = { name: string; ms: number; share: number }
export type ProfileSummary = { totalMs: number; busyMs: number; frames: Share[]; packages: Share[]; onStack: Share[] }

/** A script's package (`express`, `@adminjs/express`), the app's folder (`src/panel`) or node's module (`node:internal/…`). */
export function placeOf(url: string): string {
  if (!url) return ''
  const modules = url.lastIndexOf('node_modules/')
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/')
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]
  }
  if (url.startsWith('node:')) return url
  const dist = url.indexOf('/dist/')
  const inApp = dist >= 0 ? url.slice(dist + '/dist/'.length) : url
  return inApp.split('/').slice(0, 2).join('/')
}

const fileOf = (url: string) => {
  const modules = url.lastIndexOf('node_modules/')
  if (modules >= 0) return url.slice(modules + 'node_modules/'.length)
  const dist = url.indexOf('/dist/')
  return dist >= 0 ? url.slice(dist + '/dist/'.length) : url
}

/** Samples from `fromMs` after the profile's start on (start-up and logins left out), idle time apart. */
export function summarizeProfile(profile: Profile, fromMs = 0, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const selfMs = new Map<number, number>()
  let at = 0
  profile.samples.forEach((id, i) => {
    const delta = (profile.timeDeltas[i] ?? 0) / 1000
    at += delta
    if (at >= fromMs) selfMs.set(id, (selfMs.get(id) ?? 0) + delta)
  })
  const add = (map: Map<string, number>, key: string, ms: number) => map.set(key, (map.get(key) ?? 0) + ms)
  const frames = new Map<string, number>()
  const packages = new Map<string, number>()
  const onStack = new Map<string, number>()
  let totalMs = 0
  let idleMs = 0
  for (const [id, ms] of selfMs) {
    totalMs += ms
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame
    if (functionName === '(idle)') {
      idleMs += ms
      continue
    }
    add(frames, `${functionName || '(anonymous)'}${url ? ` ${fileOf(url)}:${lineNumber + 1}` : ' (native)'}`, ms)
    add(packages, placeOf(url) || `${functionName} (native)`, ms)
    const seen = new Set<string>()
    for (let node: number | undefined = id; node !== undefined; node = parent.get(node)) {
      const place = placeOf(byId.get(node)!.callFrame.url)
      if (place && !place.startsWith('node:') && !seen.has(place)) {
        seen.add(place)
        add(onStack, place, ms)
      }
    }
  }
  const busyMs = totalMs - idleMs
  const best = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms, share: ms / busyMs }))
  return { totalMs, busyMs, frames: best(frames), packages: best(packages), onStack: best(onStack) }
}
