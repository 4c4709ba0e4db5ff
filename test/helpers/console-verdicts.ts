import {strict as assert} from 'node:assert'

import type {ServicesConfig} from '../../src/services/model.js'

/** What the console's own Environment made of a file (scripts/console-verdicts.py). */
export interface ConsoleVerdict {
  error?: string
  ok: boolean
  snapshot: null | {kind: string; repositoryName: string; snapshotName: string}
  source: null | {allowInsecure: boolean; auth: string; endpoint: string}
  userAgentExtra: null | string
}

const AUTH_KINDS: Record<string, string[]> = {
  BASIC_AUTH: ['basic', 'basic-secret', 'basic-k8s'],
  NO_AUTH: ['none'],
  SIGV4: ['sigv4'],
}
const STORAGE_KINDS: Record<string, string> = {FileSystemSnapshot: 'fs', GcsSnapshot: 'gcs', S3Snapshot: 's3'}

/** The plugin's reading of a file the console accepts matches the console's: cluster, auth, snapshot, repository. */
export function assertReadsAsConsole(services: ServicesConfig, verdict: ConsoleVerdict, what: string): void {
  if (verdict.source === null) assert.equal(services.sourceCluster, undefined, what)
  else {
    assert.equal(services.sourceCluster?.endpoint, verdict.source.endpoint.replace(/\/+$/, ''), what)
    assert.ok(AUTH_KINDS[verdict.source.auth].includes(services.sourceCluster!.auth.kind), what)
    // The console turns TLS verification off by default for http, where there is no TLS to verify.
    if (verdict.source.endpoint.startsWith('https:'))
      assert.equal(services.sourceCluster?.allowInsecure, verdict.source.allowInsecure, what)
  }

  if (verdict.snapshot === null) assert.equal(services.snapshot, undefined, what)
  else {
    assert.equal(services.snapshot?.storage.kind, STORAGE_KINDS[verdict.snapshot.kind], what)
    assert.equal(services.snapshot?.snapshotName, verdict.snapshot.snapshotName, what)
    // "" is the console's default repository name read literally; the plugin reads it as the default.
    if (verdict.snapshot.repositoryName !== '')
      assert.equal(services.snapshot?.repositoryName, verdict.snapshot.repositoryName, what)
  }

  assert.equal(services.userAgentExtra, verdict.userAgentExtra ?? undefined, what)
}
