export const projectRoot: string
export function transpiledDir(name: string): string
export function transpileSources(outdir: string, options?: { tests?: boolean }): Promise<string>
