#!/usr/bin/env node
// The --json contract as JSON Schemas, generated from the TypeScript types of src/json-contract.ts.
//   node scripts/schemas.mjs          write schemas/*.schema.json
//   node scripts/schemas.mjs --check  fail when a checked-in schema differs from the types (npm test)
import {readFileSync, writeFileSync, existsSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {createGenerator} from 'ts-json-schema-generator'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
// The command list of src/plugin-commands.ts, as built into dist/ (npm run build comes first).
const {PLUGIN_COMMANDS} = await import(path.join(root, 'dist/plugin-commands.js'))
const SCHEMAS = Object.fromEntries(PLUGIN_COMMANDS.map((command) => [command.jsonType, command.schema]))
const generator = createGenerator({
  path: path.join(root, 'src/json-contract.ts'),
  tsconfig: path.join(root, 'tsconfig.json'),
  skipTypeCheck: true,
  additionalProperties: false,
  jsDoc: 'extended',
})
const check = process.argv.includes('--check')
let stale = []
for (const [type, name] of Object.entries(SCHEMAS)) {
  const file = path.join(root, 'schemas', `${name}.schema.json`)
  const text = `${JSON.stringify({$id: `${name}.schema.json`, ...generator.createSchema(type)}, null, 2)}\n`
  if (check) {
    if (!existsSync(file) || readFileSync(file, 'utf8') !== text) stale.push(file)
  } else writeFileSync(file, text)
}
if (stale.length > 0) {
  console.error(
    `stale JSON schema(s): ${stale.map((file) => path.relative(root, file)).join(', ')}; run \`npm run schemas\` and commit the result`,
  )
  process.exit(1)
}
console.log(check ? 'JSON schemas match the types' : `wrote ${Object.keys(SCHEMAS).length} schemas to schemas/`)
