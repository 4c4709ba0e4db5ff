/** A byte count as every report writes it: KiB below a MiB (one decimal, so a small file reads 0.1 KiB), then MiB, GiB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`
  if (bytes < 1024 ** 3) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`
}

/** One shell word: as it is when it holds nothing a shell would read, else single-quoted. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_\-.:/=@%+,]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`
}
