#!/usr/bin/env node
// `console --version` is what scripts call most often; it needs nothing of oclif but the
// package's name and version, so it is answered before oclif (about 150 modules) is loaded.
// The text is exactly oclif's own user agent.
if (process.argv.length === 3 && process.argv[2] === '--version') {
  const {readFileSync} = await import('node:fs')
  const {name, version} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`${name}/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else {
  const {execute} = await import('@oclif/core')
  await execute({dir: import.meta.url})
}
