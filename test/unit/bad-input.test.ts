import nock from 'nock'
import {strict as assert} from 'node:assert'
import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {localFixture} from '../helpers/paths.js'
import {runCommand} from '../helpers/run-command.js'

const scratch = mkdtempSync(path.join(tmpdir(), 'bad-input-'))
let fileNumber = 0
function services(text: string): string {
  const file = path.join(scratch, `services-${fileNumber++}.yaml`)
  writeFileSync(file, text)
  return file
}

const valid = localFixture('services', 'shared-basic-auth-s3.yaml')
const s3Section = (repoUri: string, region = 'us-east-1') =>
  `snapshot:\n  snapshot_name: s\n  s3:\n    repo_uri: ${repoUri}\n    aws_region: ${region}\n`
const cluster = (body: string) => `source_cluster:\n  endpoint: http://source:9200\n${body}`
const directory = path.join(scratch, 'a-directory.yaml')
mkdirSync(directory)
const huge = path.join(scratch, 'huge.yaml')
writeFileSync(huge, `# ${'x'.repeat(1024 * 1024 + 10)}\n`)

/** [what, argv, the value and the rule the message must name] */
const INPUTS: [string, string[], RegExp][] = [
  ['malformed YAML', ['snapshot', 'verify', '--config-file', services('source_cluster: [\n')], /not valid YAML/],
  ['a directory as services file', ['snapshot', 'verify', '--config-file', directory], /is a directory/],
  ['a huge services file', ['snapshot', 'verify', '--config-file', huge], /at most 1048576 bytes/],
  [
    'a missing services file',
    ['snapshot', 'verify', '--config-file', path.join(scratch, 'absent.yaml')],
    /no such file/,
  ],
  [
    'both basic_auth and sigv4',
    [
      'snapshot',
      'verify',
      '--config-file',
      services(cluster('  basic_auth:\n    username: a\n    password: b\n  sigv4:\n')),
    ],
    /found basic_auth and sigv4/,
  ],
  ['no auth block', ['snapshot', 'verify', '--config-file', services(cluster(''))], /found none/],
  [
    'an endpoint without scheme',
    ['snapshot', 'verify', '--config-file', services('source:\n  endpoint: source:9200\n  no_auth:\n')],
    /source\.endpoint: must/,
  ],
  [
    'allow_insecure as text',
    ['snapshot', 'verify', '--config-file', services(cluster('  no_auth:\n  allow_insecure: sure\n'))],
    /allow_insecure: must be true or false/,
  ],
  [
    'repo_uri without s3://',
    ['snapshot', 'verify', '--config-file', services(s3Section('bucket/path'))],
    /repo_uri: must start with s3:\/\//,
  ],
  [
    'repo_uri without a bucket',
    ['snapshot', 'verify', '--config-file', services(s3Section('s3://'))],
    /snapshot\.s3\.repo_uri: "" must name a bucket after s3:\/\//,
  ],
  [
    'an uppercase bucket in repo_uri',
    ['snapshot', 'verify', '--config-file', services(s3Section('s3://Bucket/x'))],
    /snapshot\.s3\.repo_uri: "Bucket" names the bucket "Bucket", which may hold only lowercase .*snapshot verify` uses it/,
  ],
  [
    'an IP-shaped bucket in repo_uri',
    ['snapshot', 'verify', '--config-file', services(s3Section('s3://10.0.0.1/x'))],
    /names the bucket "10\.0\.0\.1", which must not be formatted as an IP address/,
  ],
  [
    'an invalid region in the file',
    ['snapshot', 'verify', '--config-file', services(s3Section('s3://bucket', 'europe'))],
    /snapshot\.s3\.aws_region: "europe" must be an AWS region/,
  ],
  [
    'a role that is not an ARN',
    ['snapshot', 'verify', '--config-file', services(`${s3Section('s3://bucket')}    role: SnapshotRole\n`)],
    /snapshot\.s3\.role: "SnapshotRole" must be an IAM role ARN/,
  ],
  [
    'both s3 and fs',
    ['snapshot', 'verify', '--config-file', services(`${s3Section('s3://bucket')}  fs:\n    repo_path: /x\n`)],
    /needs exactly one of s3, gcs, fs \(found s3 and fs\)/,
  ],
  [
    'a relative fs repo_path',
    ['snapshot', 'verify', '--config-file', services('snapshot:\n  snapshot_name: s\n  fs:\n    repo_path: data/x\n')],
    /snapshot\.fs\.repo_path: "data\/x" must be an absolute path/,
  ],
  [
    'an uppercase snapshot_name, for the command that uses it',
    [
      'snapshot',
      'delete',
      '--yes',
      '--config-file',
      services(cluster('  no_auth:\n') + 'snapshot:\n  snapshot_name: Snap\n  fs:\n    repo_path: /x\n'),
    ],
    /snapshot\.snapshot_name: "Snap" must be lowercase \(`console snapshot delete` uses it\)/,
  ],
  [
    'a snapshot_repo_name with a space, for the command that uses it',
    [
      'snapshot',
      'delete',
      '--yes',
      '--config-file',
      services(
        cluster('  no_auth:\n') +
          'snapshot:\n  snapshot_name: s\n  snapshot_repo_name: my repo\n  fs:\n    repo_path: /x\n',
      ),
    ],
    /snapshot\.snapshot_repo_name: "my repo" must not contain whitespace/,
  ],
  [
    'a gcs repository for verify',
    [
      'snapshot',
      'verify',
      '--config-file',
      services(cluster('  no_auth:\n') + 'snapshot:\n  snapshot_name: s\n  gcs:\n    repo_uri: gs://bucket/x\n'),
    ],
    /snapshot\.gcs \(gs:\/\/bucket\/x\): this plugin verifies S3 and shared-filesystem repositories only/,
  ],
  [
    'a Solr source',
    [
      'snapshot',
      'delete',
      '--yes',
      '--config-file',
      services(
        'source_cluster:\n  endpoint: http://solr:8983\n  version: SOLR_8.11\n  no_auth:\nsnapshot:\n  snapshot_name: s\n  fs:\n    repo_path: /x\n',
      ),
    ],
    /the source is Solr \(source_cluster\.version SOLR_8\.11\): Solr has no snapshot repository/,
  ],
  [
    'an invalid sigv4 region',
    ['snapshot', 'verify', '--config-file', services('source:\n  endpoint: https://h\n  sigv4:\n    region: east\n')],
    /sigv4\.region: must be an AWS region/,
  ],
  ['a top-level list', ['snapshot', 'verify', '--config-file', services('- a\n')], /must be a YAML mapping/],
]

const BAD_BUCKETS: [string, RegExp][] = [
  ['UPPER', /lowercase/],
  ['ab', /3 to 63/],
  ['b'.repeat(64), /3 to 63/],
  ['192.168.1.1', /IP address/],
  ['xn--punycode', /reserved prefix/],
  ['bucket-s3alias', /reserved suffix/],
  ['bucket--ol-s3', /reserved suffix/],
  ['my..bucket', /adjacent dots/],
  ['-leading', /start and end/],
  ['under_score', /lowercase letters/],
]
for (const [bucket, rule] of BAD_BUCKETS)
  INPUTS.push([
    `--bucket ${bucket.slice(0, 20)}`,
    ['snapshot', 'verify', '--config-file', valid, '--bucket', bucket],
    new RegExp(`--bucket "${bucket.replaceAll('.', String.raw`\.`)}": .*${rule.source}`),
  ])
for (const region of ['US-EAST-1', 'us-east', 'moon-north-1', 'eu_west_1', 'useast1', 'global'])
  INPUTS.push([
    `--region ${region}`,
    ['snapshot', 'verify', '--config-file', valid, '--region', region],
    new RegExp(`--region "${region}": must be an AWS region name`),
  ])
for (const [name, rule] of [
  ['..', /must not be "\." or "\.\."/],
  ['has space', /whitespace/],
  ['_hidden', /must not start/],
  ['hash#tag', /"#"/],
  ['a,b', /","/],
  ['star*', /"\*"/],
  ['-dash', /must not start/],
  [String.raw`back\slash`, /must not contain/],
] as const)
  INPUTS.push([
    `--repository ${name}`,
    ['snapshot', 'verify', '--config-file', valid, '--repository', name],
    new RegExp(`--repository "${name.replaceAll('\\', '\\\\').replaceAll('*', String.raw`\*`)}": .*${rule.source}`),
  ])
for (const [name, rule] of [
  ['Snap', /lowercase/],
  ['two words', /whitespace/],
  ['.', /must not be "\." or/],
  ['_all_mine', /must not start/],
  ['q?', /"\?"/],
  ['x#y', /"#"/],
] as const)
  INPUTS.push([
    `delete --snapshot ${name}`,
    ['snapshot', 'delete', '--config-file', valid, '--snapshot', name, '--yes'],
    new RegExp(`--snapshot "${name.replaceAll('?', String.raw`\?`)}": .*${rule.source}`),
  ])
for (const [name, rule] of [
  ['..', /must not be/],
  ['_x', /must not start/],
] as const)
  INPUTS.push([
    `clean --repository ${name}`,
    ['repo', 'clean', '--config-file', valid, '--repository', name, '--yes'],
    new RegExp(`--repository "${name}": .*${rule.source}`),
  ])
for (const endpoint of ['source:9200', 'ftp://source:21', 'nohost'])
  INPUTS.push([
    `--endpoint ${endpoint}`,
    ['snapshot', 'verify', '--config-file', valid, '--endpoint', endpoint],
    new RegExp(`--endpoint "${endpoint}": must`),
  ])
INPUTS.push(
  [
    '--s3-endpoint with a query',
    ['snapshot', 'verify', '--config-file', valid, '--s3-endpoint', 'http://localhost:9000/?x=1'],
    /--s3-endpoint "http:\/\/localhost:9000\/\?x=1": must not have a query/,
  ],
  [
    'a relative --fs-path',
    ['snapshot', 'verify', '--config-file', valid, '--fs-path', 'snapshots'],
    /--fs-path "snapshots": must be an absolute path/,
  ],
  [
    '--bucket with --fs-path',
    ['snapshot', 'verify', '--config-file', valid, '--bucket', 'abc', '--fs-path', '/x'],
    /--fs-path cannot be combined with --bucket: a repository is either on a shared filesystem or in S3/,
  ],
  [
    '--region with --fs-path',
    ['snapshot', 'verify', '--config-file', valid, '--region', 'us-east-1', '--fs-path', '/x'],
    /--fs-path cannot be combined with --region/,
  ],
  [
    'an unknown flag',
    ['snapshot', 'verify', '--config-file', valid, '--buckett', 'abc'],
    /Nonexistent flag: --buckett/,
  ],
)

describe('bad input is rejected before any request', () => {
  const attempted: string[] = []
  const record = (request: {host?: string; method?: string; path?: string}) =>
    attempted.push(`${request.method} ${request.host ?? ''}${request.path ?? ''}`)

  before(() => nock.emitter.on('no match', record))

  after(() => nock.emitter.removeListener('no match', record))

  for (const [what, argv, message] of INPUTS)
    it(`rejects ${what} with exit 2, naming the value and the rule`, async () => {
      attempted.length = 0
      const outcome = await runCommand([...argv, '--json'], {
        CI: 'true',
        CONSOLE_DATA_DIR: path.join(scratch, 'data'),
        MIGRATION_SERVICES_YAML_PATH: undefined,
      })
      assert.equal(outcome.exitCode, 2, outcome.stdout + outcome.stderr)
      const {error} = JSON.parse(outcome.stdout)
      assert.match(error.message, message)
      assert.deepEqual(attempted, [], 'no request was sent')
    })
})
