import {Ajv} from 'ajv'
import {strict as assert} from 'node:assert'
import {readFileSync} from 'node:fs'
import path from 'node:path'

import {PLUGIN_COMMANDS} from '../../src/plugin-commands.js'
import {FakeCluster} from '../helpers/fake-cluster.js'
import {FakeS3} from '../helpers/fake-s3.js'
import {localFixture, repoRoot} from '../helpers/paths.js'
import {runCommand} from '../helpers/run-command.js'

/**
 * The --json contract: every command's real output (success, failure, dry run, refusal) is the only
 * thing on stdout, and validates against the schema generated from the TypeScript types
 * (schemas/, checked by `npm run check:schemas`).
 */
const ajv = new Ajv({allErrors: true, strict: false})
const validators = Object.fromEntries(
  PLUGIN_COMMANDS.map(({schema}) => [
    schema,
    ajv.compile(JSON.parse(readFileSync(path.join(repoRoot, 'schemas', `${schema}.schema.json`), 'utf8'))),
  ]),
)

const services = localFixture('services', 'local-s3.yaml')
const env = {CI: 'true', CONSOLE_DATA_DIR: '/tmp/json-contract-data', MIGRATION_SERVICES_YAML_PATH: undefined}

function world() {
  const s3 = new FakeS3().addBucket('migration-bucket')
  const cluster = new FakeCluster('http://source.test:9200', s3)
  s3.install()
  cluster.install()
  return {cluster, s3}
}

async function registered() {
  const {cluster, s3} = world()
  await cluster.seedS3Repository(
    'migration_assistant_repo',
    {basePath: 'rfs-snapshot-repo', bucket: 'migration-bucket'},
    ['rfs-snapshot'],
  )
  return {cluster, s3}
}

const CASES: {
  argv: string[]
  exitCode: number
  name: string
  schema: string
  setup: () => Promise<unknown> | unknown
  status: string
}[] = [
  {
    argv: ['snapshot', 'verify'],
    exitCode: 0,
    name: 'verify passing',
    schema: 'snapshot-verify',
    setup: world,
    status: 'ok',
  },
  {
    argv: ['snapshot', 'verify'],
    exitCode: 1,
    name: 'verify failing at step 2',
    schema: 'snapshot-verify',
    setup() {
      world().cluster.nodes = [{name: 'n1', plugins: []}]
    },
    status: 'failed',
  },
  {
    argv: ['snapshot', 'verify', '--dry-run'],
    exitCode: 0,
    name: 'verify dry run',
    schema: 'snapshot-verify',
    setup() {},
    status: 'ok',
  },
  {
    argv: ['snapshot', 'verify', '--bucket', 'Bad'],
    exitCode: 2,
    name: 'verify refused before any step (bad flag value)',
    schema: 'snapshot-verify',
    setup() {},
    status: 'refused',
  },
  {
    argv: ['snapshot', 'delete', '--yes'],
    exitCode: 0,
    name: 'delete passing',
    schema: 'snapshot-delete',
    setup: registered,
    status: 'ok',
  },
  {
    argv: ['snapshot', 'delete', '--dry-run'],
    exitCode: 0,
    name: 'delete dry run',
    schema: 'snapshot-delete',
    setup: registered,
    status: 'ok',
  },
  {
    argv: ['snapshot', 'delete'],
    exitCode: 2,
    name: 'delete refused without --yes in a script',
    schema: 'snapshot-delete',
    setup: registered,
    status: 'refused',
  },
  {
    argv: ['snapshot', 'delete', '--yes'],
    exitCode: 0,
    name: 'delete of a repository already gone',
    schema: 'snapshot-delete',
    setup: world,
    status: 'ok',
  },
  {
    argv: ['snapshot', 'delete', '--yes'],
    exitCode: 1,
    name: 'delete failing (the cluster refuses the deletion)',
    schema: 'snapshot-delete',
    async setup() {
      const {cluster} = await registered()
      cluster.override('DELETE', /^\/_snapshot\/migration_assistant_repo\/rfs-snapshot$/, [
        403,
        {
          error: {reason: 'no permissions for [cluster:admin/snapshot/delete]', type: 'security_exception'},
          status: 403,
        },
      ])
    },
    status: 'failed',
  },
  {
    argv: ['repo', 'clean', '--repository', 'migration_assistant_repo', '--force', '--dry-run'],
    exitCode: 0,
    name: 'clean dry run',
    schema: 'repo-clean',
    setup: registered,
    status: 'ok',
  },
  {
    argv: ['repo', 'clean', '--repository', 'migration_assistant_repo', '--yes'],
    exitCode: 2,
    name: 'clean refused (snapshots verify did not make)',
    schema: 'repo-clean',
    setup: registered,
    status: 'refused',
  },
  {
    argv: [
      'repo',
      'clean',
      '--repository',
      'migration_assistant_repo',
      '--force',
      '--confirm',
      'migration_assistant_repo',
    ],
    exitCode: 0,
    name: 'clean passing',
    schema: 'repo-clean',
    setup: registered,
    status: 'ok',
  },
]

describe('--json: one envelope, validated against the checked-in schemas', () => {
  for (const testCase of CASES)
    it(`${testCase.name}: ${testCase.status}, exit ${testCase.exitCode}, valid against schemas/${testCase.schema}.schema.json`, async () => {
      await testCase.setup()
      const outcome = await runCommand([...testCase.argv, '--config-file', services, '--json'], env)
      assert.equal(outcome.exitCode, testCase.exitCode, outcome.stdout + outcome.stderr)
      assert.equal(outcome.stderr, '', 'nothing but the JSON document')
      const document = JSON.parse(outcome.stdout) as {exitCode: number; status: string}
      const validate = validators[testCase.schema]
      assert.ok(validate(document), JSON.stringify(validate.errors, null, 2))
      assert.equal(document.status, testCase.status)
      assert.equal(document.exitCode, testCase.exitCode)
    })

  it('covers every command of the list, and the list is what oclif finds', () => {
    const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'oclif.manifest.json'), 'utf8')) as {
      commands: Record<string, unknown>
    }
    assert.deepEqual(Object.keys(manifest.commands).sort(), PLUGIN_COMMANDS.map(({id}) => id).sort())
    for (const {schema} of PLUGIN_COMMANDS)
      assert.ok(
        CASES.some((testCase) => testCase.schema === schema && testCase.status === 'ok'),
        `no passing case for ${schema}`,
      )
  })

  it('rejects a document that breaks the contract (the schema is not a formality)', () => {
    assert.equal(
      validators['repo-clean']({
        exitCode: 0,
        result: {command: 'repo clean', steps: 'none'},
        status: 'ok',
        warnings: [],
      }),
      false,
    )
    assert.equal(validators['snapshot-delete']({exitCode: 0, status: 'maybe', warnings: []}), false)
  })

  it('puts warnings in the envelope instead of on stderr', async () => {
    world()
    const file = path.join('/tmp', `json-warning-${process.pid}.yaml`)
    const {writeFileSync} = await import('node:fs')
    writeFileSync(file, `${readFileSync(services, 'utf8')}future_section:\n  a: 1\n`)
    const outcome = await runCommand(['snapshot', 'verify', '--config-file', file, '--json', '--dry-run'], env)
    assert.equal(outcome.stderr, '')
    assert.match(JSON.parse(outcome.stdout).warnings[0], /fields this plugin does not know, ignored: future_section/)
  })
})
