import {strict as assert} from 'node:assert'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {parseServices, ServicesFileError} from '../../src/services/load.js'
import {assertReadsAsConsole, type ConsoleVerdict} from '../helpers/console-verdicts.js'
import {localFixture} from '../helpers/paths.js'
import {runCommand} from '../helpers/run-command.js'
import {BASE_SECRETS, type FieldCase, fieldCases} from '../helpers/services-cases.js'

/**
 * Values the console accepts at load and this plugin refuses at once, because no command could work
 * with them; each is refused with exit 2 naming the field.
 */
const CANNOT_WORK: [RegExp, unknown[], string][] = [
  [
    /^(source_cluster|source)\.(endpoint|sigv4_signing_endpoint)$/,
    ['', 'x'],
    'every request goes to (or is signed for) it: an http(s) URL',
  ],
  [/^snapshot\.s3\.repo_uri$/, ['', 'x'], 'an S3 location: s3://bucket/path'],
  [/^snapshot\.fs\.repo_path$/, [''], 'a repository location'],
  [/\.basic_auth\.(user_secret_arn|k8s_secret_name)$/, [''], 'a secret without a name cannot be read'],
  [/\.sigv4\.region$/, ['', 'x'], 'requests cannot be signed for a region that does not exist'],
  [/\.sigv4\.service$/, [''], 'requests cannot be signed for no service'],
]
const SECRET_FIELD = /(^|\.)(password|user_secret_arn|k8s_secret_name|token|secret|key)$/

const verdicts = JSON.parse(readFileSync(localFixture('services', 'console', 'field-verdicts.json'), 'utf8')) as Record<
  string,
  ConsoleVerdict
>

async function outcomeOf(
  fieldCase: FieldCase,
): Promise<{loaded?: Awaited<ReturnType<typeof parseServices>>; refused?: string}> {
  try {
    return {loaded: await parseServices('services.json', fieldCase.text)}
  } catch (error) {
    assert.ok(error instanceof ServicesFileError, `${fieldCase.id} ended in ${(error as Error).stack}`)
    assert.equal(error.exitCode, 2)
    return {refused: error.message}
  }
}

/** The bases' secrets never appear, and a secret field's own value is never described (the generated values are too short to search for). */
function assertNoSecretShown(fieldCase: FieldCase, text: string): void {
  for (const secret of BASE_SECRETS) assert.ok(!text.includes(secret), `${fieldCase.id} shows a secret: ${text}`)
  if (SECRET_FIELD.test(fieldCase.path.join('.')))
    assert.doesNotMatch(text, /not the (number|boolean|string) /, `${fieldCase.id} describes the secret's value`)
}

describe('every field of the services file, with every kind of value (generated from the schema)', () => {
  const cases = fieldCases()

  it('covers every field the plugin knows, with the console verdict recorded for each case', () => {
    assert.ok(cases.length >= 400, String(cases.length))
    const missing = cases.filter((fieldCase) => !verdicts[fieldCase.id]).map((fieldCase) => fieldCase.id)
    assert.deepEqual(missing, [], 'run `python3 scripts/console-verdicts.py /path/to/opensearch-migrations`')
  })

  for (const fieldCase of cases)
    it(`${fieldCase.id}: ${verdicts[fieldCase.id]?.ok ? 'the console loads it' : 'the console refuses it'}`, async () => {
      const verdict = verdicts[fieldCase.id]
      const {loaded, refused} = await outcomeOf(fieldCase)
      const field = fieldCase.path.join('.')
      if (refused !== undefined) {
        assert.ok(refused.includes(`${field}:`) || refused.includes(`${field}.`), `${fieldCase.id}: ${refused}`)
        assertNoSecretShown(fieldCase, refused)
        if (verdict?.ok) {
          const rule = CANNOT_WORK.find(([pattern, values]) => pattern.test(field) && values.includes(fieldCase.value))
          assert.ok(rule, `the console loads ${fieldCase.id}; the plugin refuses it: ${refused}`)
        }
      } else if (verdict?.ok) assertReadsAsConsole(loaded!, verdict, fieldCase.id)
    })

  describe('through the command: `snapshot verify --dry-run` ends 0 or 2, never in a JavaScript error', () => {
    const scratch = mkdtempSync(path.join(tmpdir(), 'services-fields-'))
    const scripted = {CI: 'true', CONSOLE_DATA_DIR: path.join(scratch, 'data'), MIGRATION_SERVICES_YAML_PATH: undefined}

    it('for each of the generated files', async function () {
      this.timeout(120_000)
      const file = path.join(scratch, 'services.json')
      const unexpected: string[] = []
      for (const fieldCase of cases) {
        writeFileSync(file, fieldCase.text)
        const outcome = await runCommand(['snapshot', 'verify', '--dry-run', '--json', '--config-file', file], scripted)
        const envelope = JSON.parse(outcome.stdout)
        const text = outcome.stdout + outcome.stderr
        if (![0, 2].includes(outcome.exitCode) || /TypeError|Cannot read prop|is not a function|undefined/.test(text))
          unexpected.push(`${fieldCase.id}: exit ${outcome.exitCode} ${envelope.error?.message ?? ''}`)
        assertNoSecretShown(fieldCase, text)
      }

      assert.deepEqual(unexpected, [])
    })
  })
})
