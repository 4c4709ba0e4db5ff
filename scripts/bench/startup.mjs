// The startup figures: `console --version` and `snapshot verify --help` against `node -e 0`.
import {cli, median, ms, timeOnce, verdict} from './measure.mjs'

/** Medians of `runs` runs each, the candidates interleaved so that machine noise hits them alike. */
export function startup(runs) {
  const cases = {
    'node -e 0': [process.execPath, ['-e', '0']],
    'console --version': [process.execPath, [cli, '--version']],
    'console snapshot verify --help': [process.execPath, [cli, 'snapshot', 'verify', '--help']],
  }
  const samples = Object.fromEntries(Object.keys(cases).map((name) => [name, []]))
  for (const [command, commandArgs] of Object.values(cases)) timeOnce(command, commandArgs) // warm the file cache
  for (let run = 0; run < runs; run++)
    for (const [name, [command, commandArgs]] of Object.entries(cases))
      samples[name].push(timeOnce(command, commandArgs))
  const base = median(samples['node -e 0'])
  console.log(`\nstartup (median of ${runs} runs each, interleaved)`)
  for (const [name, values] of Object.entries(samples)) {
    const target = name.includes('--help') ? 2.5 : name.includes('--version') ? 2 : undefined
    const ratio = median(values) / base
    console.log(
      `  ${name.padEnd(34)} ${ms(median(values)).padStart(8)}   ${ratio.toFixed(2)}x node${target ? ` (target <= ${target}x: ${verdict(ratio <= target)})` : ''}`,
    )
  }
}
