import {strict as assert} from 'node:assert'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {FakeCluster} from '../helpers/fake-cluster.js'
import {FakeS3} from '../helpers/fake-s3.js'
import {runCommand} from '../helpers/run-command.js'

const SECRET = 'Shaped-Secr3t-4711'
const NUMBER_SECRET = '8675309123'
const scratch = mkdtempSync(path.join(tmpdir(), 'secret-shapes-'))

const cluster = (auth: string, endpoint = 'http://source.test:9200') =>
  `source_cluster:\n  endpoint: ${endpoint}\n${auth}`
const basic = (password: string) => `  basic_auth:\n    username: admin\n    password: ${password}\n`
const s3 = (repoUri = 's3://migration-bucket/rfs', endpoint = 'http://s3.test:9000') =>
  `snapshot:\n  snapshot_name: rfs-snapshot\n  s3:\n    repo_uri: ${repoUri}\n    aws_region: us-east-1\n    endpoint: ${endpoint}\n`

/** The secret in every shape a services file or a flag can give it. */
const SHAPES: [string, string, string[]][] = [
  ['a password string', cluster(basic(SECRET)) + s3(), []],
  ['a password as a number', cluster(basic(NUMBER_SECRET)) + s3(), []],
  [
    'a password as a mapping',
    cluster(`  basic_auth:\n    username: admin\n    password:\n      value: ${SECRET}\n`) + s3(),
    [],
  ],
  ['a password in a list', cluster(basic(`[${SECRET}, 2]`)) + s3(), []],
  ['a password in a flow mapping', cluster(`  basic_auth: {username: admin, password: ${SECRET}}\n`) + s3(), []],
  ['credentials in the cluster URL', cluster('  no_auth:\n', `http://admin:${SECRET}@source.test:9200`) + s3(), []],
  ['credentials in the S3 endpoint', cluster(basic('pw')) + s3(undefined, `http://AKID:${SECRET}@s3.test:9000`), []],
  [
    'credentials before the bucket in repo_uri',
    cluster(basic('pw')) + s3(`s3://AKID:${SECRET}@migration-bucket/rfs`),
    [],
  ],
  [
    'credentials in the --s3-endpoint flag',
    cluster(basic('pw')) + s3(),
    ['--s3-endpoint', `http://AKID:${SECRET}@s3.test:9000`],
  ],
  [
    'credentials in the --endpoint flag',
    cluster(basic('pw')) + s3(),
    ['--endpoint', `http://admin:${SECRET}@source.test:9200`],
  ],
]

const COMMANDS = [
  ['snapshot', 'verify'],
  ['snapshot', 'verify', '--json'],
  ['snapshot', 'verify', '--dry-run'],
  ['snapshot', 'delete', '--yes'],
  ['repo', 'clean', '--repository', 'migration_assistant_repo', '--yes', '--json'],
]

describe('no secret in any message, whatever shape carried it', () => {
  for (const [shape, file, flags] of SHAPES)
    for (const command of COMMANDS)
      it(`${shape}: ${command.join(' ')} -v prints neither the secret nor any part of it`, async () => {
        const store = new FakeS3().addBucket('migration-bucket')
        const fake = new FakeCluster('http://source.test:9200', store)
        fake.install()
        store.install()
        const services = path.join(scratch, `${shape.replaceAll(/\W+/g, '-')}.yaml`)
        writeFileSync(services, file)
        const outcome = await runCommand([...command, '--config-file', services, '-v', ...flags], {
          AWS_ACCESS_KEY_ID: 'AKIDSHAPES',
          AWS_SECRET_ACCESS_KEY: 'unit-test-secret-key',
          CI: 'true',
          CONSOLE_DATA_DIR: path.join(scratch, 'data'),
          DEBUG: '*',
          MIGRATION_SERVICES_YAML_PATH: undefined,
        })
        const everything = outcome.stdout + outcome.stderr
        assert.ok(everything.length > 0, 'the command printed something to search')
        for (const secret of [SECRET, NUMBER_SECRET, 'Secr3t'])
          assert.ok(
            !everything.includes(secret),
            `the secret leaked (exit ${outcome.exitCode}):\n${everything.slice(0, 3000)}`,
          )
      })
})
