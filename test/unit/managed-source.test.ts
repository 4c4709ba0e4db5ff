import {strict as assert} from 'node:assert'
import {readFileSync} from 'node:fs'

import {ClusterRequestError} from '../../src/cluster/client.js'
import {diagnose} from '../../src/diagnose/index.js'
import {Locations} from '../../src/location/open.js'
import {cleanRepository} from '../../src/repository/clean.js'
import {deleteSnapshotsThroughCluster} from '../../src/repository/delete-snapshots.js'
import {fakeWorld, stepNamed} from '../helpers/domain.js'
import {localFixture} from '../helpers/paths.js'

/** A managed domain's answer to registering the migration's repository, as a fixture holds it. */
function managedAnswer(name: string): ClusterRequestError {
  const {body, status} = JSON.parse(readFileSync(localFixture('responses', name), 'utf8'))
  const request = 'PUT /_snapshot/migration_assistant_repo'
  return new ClusterRequestError(
    'PUT',
    '/_snapshot/migration_assistant_repo',
    'https://search-x.us-east-1.es.amazonaws.com',
    status,
    body,
    undefined,
    `${request} answered ${status}`,
  )
}

const context = {
  bucket: 'migration-bucket',
  region: 'us-east-1',
  roleArn: 'arn:aws:iam::123456789012:role/TheSnapshotRole',
}

describe('a managed source (Amazon OpenSearch Service, sigv4)', () => {
  const CASES: [string, string, RegExp][] = [
    ['shaped-managed-passrole-anonymous.json', 'managed-passrole-anonymous', /map the manage_snapshots role/],
    [
      'shaped-managed-passrole-denied.json',
      'managed-passrole-denied',
      /iam:PassRole on arn:aws:iam::123456789012:role\/TheSnapshotRole/,
    ],
    ['shaped-managed-role-arn-missing.json', 'managed-role-arn-missing', /snapshot\.s3\.role/],
    ['shaped-managed-service-repository.json', 'managed-service-repository', /never deletes from a cs- repository/],
  ]
  for (const [fixture, code, remediation] of CASES)
    it(`${fixture} → ${code}`, () => {
      const diagnosis = diagnose(managedAnswer(fixture), context)
      assert.equal(diagnosis.code, code)
      assert.match(diagnosis.remediation, remediation)
    })

  for (const repository of ['cs-automated', 'cs-automated-enc'])
    describe(`the service's own repository ${repository}`, () => {
      it('snapshot delete refuses with exit 2 before any request that changes something', async () => {
        const world = fakeWorld()
        await world.repositoryWithSnapshots(repository, 'service-bucket', '', ['2026-12-01t00-00.auto'])
        world.cluster.requests.length = 0
        const report = await deleteSnapshotsThroughCluster(
          {dryRun: false, repository, snapshots: ['2026-12-01t00-00.auto']},
          {
            cluster: world.client,
            confirm: async () => true,
            locations: new Locations(world.s3Client),
            pollIntervalMs: 1,
          },
        )
        assert.equal(report.exitCode, 2)
        assert.match(stepNamed(report, 'plan').detail, /belongs to Amazon OpenSearch Service/)
        assert.deepEqual(world.cluster.requests, [], 'not even read: nothing is planned there')
        assert.ok(world.s3.keys('service-bucket').length > 0, 'its files are untouched')
      })

      it('repo clean refuses with exit 2, even with --force, and deletes nothing', async () => {
        const world = fakeWorld()
        await world.repositoryWithSnapshots(repository, 'service-bucket', '', ['2026-12-01t00-00.auto'])
        const before = world.s3.keys('service-bucket')
        world.cluster.requests.length = 0
        const report = await cleanRepository(
          {deleteBucket: false, dryRun: false, force: true, repository},
          {
            cleanJournal: world.cleanJournal,
            cluster: world.client,
            confirm: async () => true,
            locations: new Locations(world.s3Client),
          },
        )
        assert.equal(report.exitCode, 2)
        assert.match(stepNamed(report, 'plan').detail, /cs- prefix is the service's/)
        assert.deepEqual(world.cluster.requests, [])
        assert.deepEqual(world.s3.keys('service-bucket'), before)
        assert.deepEqual(await world.cleanJournal.entries(), [])
      })
    })
})
