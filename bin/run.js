#!/usr/bin/env node
// `console --version` is what scripts call most often; it needs nothing of oclif but the
// package's name and version, so it is answered before oclif (about 150 modules) is loaded.
// The first line is exactly oclif's own user agent; the console's own version follows when its CLI is there.
if (process.argv.length === 3 && process.argv[2] === '--version') {
  const {readFileSync} = await import('node:fs')
  const {name, version} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`${name}/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
  // Beside the console's own CLI, its version too, as that CLI tells it (a second line, so the first stays oclif's).
  const {consoleVersion, findConsoleCli} = await import('../dist/console-cli.js')
  const cli = await findConsoleCli()
  if (cli) process.stdout.write(`migration console ${await consoleVersion(cli)} (${cli})\n`)
} else {
  // The console's own CLI takes its global options (--config-file, --force-use-config-file, --json, -v,
  // -vv, --verbose) before the command (`console --json snapshot delete`), as scripts in the console
  // image write them; oclif wants flags after the command id. A command this plugin hands on to the
  // console's own CLI gets the arguments as typed: its hook reads them from process.argv.
  const typed = process.argv.slice(2)
  const leadingOption = /^-v+$|^--(config-file|force-use-config-file|json|verbose)(=|$)/
  const argv = leadingOption.test(typed[0] ?? '')
    ? (await import('../dist/console-cli.js')).globalOptionsAfterCommand(typed)
    : typed
  // oclif checks its own Node engine range on every start by loading all of semver (47 modules,
  // a fifth of the startup); this package's engines field (node >=20) already guards a narrower range.
  process.env.OCLIF_DISABLE_ENGINE_WARNING ??= '1'
  // The execute entry alone: help and the init hook do not need the rest of oclif's index.
  const {execute} = await import('@oclif/core/execute')
  await execute({dir: import.meta.url, args: argv})
}
