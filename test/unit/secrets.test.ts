import {strict as assert} from 'node:assert'
import {spawnSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import path from 'node:path'

import {FakeCluster} from '../helpers/fake-cluster.js'
import {FakeS3} from '../helpers/fake-s3.js'
import {closedPort} from '../helpers/faulty-server.js'
import {repoRoot, scratchServices} from '../helpers/paths.js'
import {runCommand} from '../helpers/run-command.js'

const PASSWORD = 'Known-Passw0rd-for-leak-test'
const AWS_SECRET = 'KnownAwsSecretKeyForLeakTest1234567890'
const SESSION_TOKEN = 'KnownSessionTokenForLeakTest'
const AUTHORIZATION = Buffer.from(`admin:${PASSWORD}`).toString('base64')
const SECRETS = [PASSWORD, AWS_SECRET, SESSION_TOKEN, AUTHORIZATION]

const {file: servicesFile, scratch} = scratchServices(
  'secrets-',
  `source_cluster:
  endpoint: http://source.test:9200
  basic_auth:
    username: admin
    password: ${PASSWORD}
snapshot:
  snapshot_name: rfs-snapshot
  s3:
    repo_uri: s3://migration-bucket/rfs
    aws_region: us-east-1
    endpoint: http://s3.test:9000
`,
)

const env = {
  AWS_ACCESS_KEY_ID: 'AKIDLEAKTEST',
  AWS_SECRET_ACCESS_KEY: AWS_SECRET,
  AWS_SESSION_TOKEN: SESSION_TOKEN,
  CI: 'true',
  CONSOLE_DATA_DIR: path.join(scratch, 'data'),
  MIGRATION_SERVICES_YAML_PATH: undefined,
}

const REPOSITORY = 'migration_assistant_repo'
/** Each command, and whether it reads the bucket (so that a bucket refusing the credentials is met). */
const COMMANDS: [string[], {readsBucket: boolean}][] = [
  [['snapshot', 'verify', '--config-file', servicesFile], {readsBucket: true}],
  [['snapshot', 'verify', '--config-file', servicesFile, '--json'], {readsBucket: true}],
  [['snapshot', 'verify', '--config-file', servicesFile, '--verbose'], {readsBucket: true}],
  [['snapshot', 'verify', '--config-file', servicesFile, '--dry-run'], {readsBucket: false}],
  [['snapshot', 'verify', '--config-file', servicesFile, '--dry-run', '--json'], {readsBucket: false}],
  [['snapshot', 'delete', '--config-file', servicesFile, '--yes'], {readsBucket: true}],
  [['snapshot', 'delete', '--config-file', servicesFile, '--yes', '--json', '--verbose'], {readsBucket: true}],
  // The journal and other verify_ repositories: no repository named, so the bucket is not read.
  [['repo', 'clean', '--config-file', servicesFile, '--yes'], {readsBucket: false}],
  [
    ['repo', 'clean', '--config-file', servicesFile, '--repository', REPOSITORY, '--force', '--confirm', REPOSITORY],
    {readsBucket: true},
  ],
  [
    [
      'repo',
      'clean',
      '--config-file',
      servicesFile,
      '--repository',
      REPOSITORY,
      '--force',
      '--confirm',
      REPOSITORY,
      '--json',
    ],
    {readsBucket: true},
  ],
]

describe('secrets never appear in output', () => {
  for (const scenario of [
    'a healthy cluster',
    'a cluster refusing the credentials',
    'a bucket refusing the credentials',
  ])
    for (const [argv, {readsBucket}] of COMMANDS)
      it(`${argv.slice(0, 2).join(' ')} ${argv.slice(4).join(' ')} against ${scenario}, with DEBUG on`, async () => {
        const s3 = new FakeS3().addBucket('migration-bucket')
        const cluster = new FakeCluster('http://source.test:9200', s3)
        cluster.install()
        s3.install()
        // The migration's repository with a snapshot, so that delete and clean have something to do.
        await cluster.seedS3Repository(REPOSITORY, {basePath: 'rfs', bucket: 'migration-bucket'}, ['rfs-snapshot'])
        const seeding = {cluster: cluster.requests.length, s3: s3.calls.length}
        if (scenario === 'a cluster refusing the credentials')
          for (const method of ['GET', 'PUT', 'DELETE'])
            cluster.override(method, /.*/, [
              401,
              {
                error: {reason: 'unable to authenticate user [admin] for REST request [/]', type: 'security_exception'},
                status: 401,
              },
            ])
        if (scenario === 'a bucket refusing the credentials')
          s3.faults.push(() => [
            403,
            '<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message></Error>',
          ])
        const outcome = await runCommand(argv, {...env, DEBUG: '*'})
        const everything = outcome.stdout + outcome.stderr
        assert.ok(everything.length > 0, 'the command printed something to search')
        for (const secret of SECRETS)
          assert.ok(!everything.includes(secret), `a secret leaked in ${argv.join(' ')}:\n${everything}`)
        // Requests with the credentials were really made, and met the refusal: a leak had its chance.
        const sent = {cluster: cluster.requests.length - seeding.cluster, s3: s3.calls.length - seeding.s3}
        if (argv.includes('--dry-run')) assert.deepEqual(sent, {cluster: 0, s3: 0}, 'a dry run sends nothing')
        else if (scenario === 'a healthy cluster') {
          assert.equal(outcome.exitCode, 0, everything)
          assert.ok(sent.cluster > 0 && (!readsBucket || sent.s3 > 0), JSON.stringify(sent))
        } else if (scenario === 'a cluster refusing the credentials') {
          assert.equal(outcome.exitCode, 1, everything)
          assert.ok(sent.cluster > 0, 'the cluster was asked')
          assert.match(everything, /401|rejected the credentials/)
        } else if (readsBucket) {
          assert.equal(outcome.exitCode, 1, everything)
          assert.ok(sent.s3 > 0, 'the bucket was asked')
          assert.match(everything, /SignatureDoesNotMatch|403/)
        }
      })

  it('also in a separate process with DEBUG=* and --verbose, where every debug logger is on', async () => {
    const endpoint = await closedPort()
    const file = path.join(scratch, 'subprocess.yaml')
    writeFileSync(
      file,
      `source_cluster:\n  endpoint: ${endpoint}\n  basic_auth:\n    username: admin\n    password: ${PASSWORD}\n`,
    )
    for (const [argv, debugLines] of [
      [['snapshot', 'verify', '--bucket', 'some-bucket', '--region', 'us-east-1', '--verbose'], true],
      [['snapshot', 'verify', '--bucket', 'some-bucket', '--region', 'us-east-1', '--dry-run'], false],
    ] as const) {
      const result = spawnSync(
        process.execPath,
        [path.join(repoRoot, 'bin', 'run.js'), ...argv, '--config-file', file],
        {
          encoding: 'utf8',
          env: {...process.env, ...env, DEBUG: '*', MIGRATION_SERVICES_YAML_PATH: ''} as NodeJS.ProcessEnv,
        },
      )
      const everything = result.stdout + result.stderr
      // The run that sends requests logs each one; the dry run sends none.
      if (debugLines) assert.match(result.stderr, /^console:cluster GET \/ ECONNREFUSED \d+ms/m, 'debug output was on')
      else assert.match(result.stdout, /Would run \(nothing is sent\)/)
      for (const secret of SECRETS)
        assert.ok(!everything.includes(secret), `a secret leaked:\n${everything.slice(0, 2000)}`)
    }
  })

  describe('a secret field’s value is never in a message about the services file', () => {
    const header = 'source_cluster:\n  endpoint: http://source.test:9200\n  basic_auth:\n    username: admin\n'
    const cases: [string, string, RegExp][] = [
      ['a number', '    password: 987654321\n', /password: must be a string, not a number/],
      ['an unresolved alias', '    password: *Secr3tPw\n', /<redacted>/],
      ['a block scalar with a bad header', '    password: |Secr3tPw\n      more\n', /<redacted>/],
      [
        'a tagged value the tag refuses',
        '    password: !!int Secr3tPw\n',
        /a value of 8 character\(s\) is not a valid !!int/,
      ],
      [
        'a secret ARN of the wrong type',
        '    user_secret_arn: [arn:aws:secretsmanager:x:1:secret:Secr3tPw]\n',
        /source_cluster\.basic_auth\.user_secret_arn: must be a string, not a list/,
      ],
    ]
    for (const [what, line, expected] of cases)
      it(`${what}: the message names the field and the rule, not the value`, async () => {
        const {parseServices} = await import('../../src/services/load.js')
        const error = await parseServices('services.yaml', `${header}${line}`).then(
          () => assert.fail('parsed'),
          (error_: Error) => error_,
        )
        assert.match(error.message, expected)
        assert.doesNotMatch(error.message, /987654321|Secr3tPw/)
      })
  })
})
