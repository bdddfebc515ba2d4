// LIKE patterns as the panel's lists write them; without dependencies, so the bench's bare-pg
// baseline (bench/sql.ts) builds exactly the app's SQL.

/** Makes user input match literally inside a LIKE/ILIKE pattern. */
export const escapeLike = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`)

/**
 * The word chunks a trigram index is asked for when a text is found by its words (see containing):
 * each run of letters and digits of 3 or more, cut into pieces of 3 that do not overlap (a LIKE
 * pattern's parts match one after another; a shorter tail is left out), in the text's order:
 * `nordic par` → `%nor%dic%par%`, one trigram a piece. A third of a word's trigrams narrows about as
 * well (a word's trigrams mostly come together) for a third of the index reading. Undefined when the
 * text has no such word, or is one word only (its own pattern has no edge trigrams to leave out).
 */
export function wordChunksPattern(text: string): string | undefined {
  const words = text.match(/[\p{L}\p{N}]+/gu) ?? []
  if (words.length === 1 && words[0] === text) return undefined
  const chunks = words.flatMap((word) => {
    const characters = [...word]
    return Array.from({ length: Math.floor(characters.length / 3) }, (_, i) => characters.slice(3 * i, 3 * i + 3).join(''))
  })
  return chunks.length ? `%${chunks.join('%')}%` : undefined
}
