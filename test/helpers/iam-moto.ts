import {Hash} from '@smithy/hash-node'
import {HttpRequest} from '@smithy/protocol-http'
import {SignatureV4} from '@smithy/signature-v4'
import {type ChildProcess, spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, readFileSync} from 'node:fs'
import {createServer} from 'node:net'
import path from 'node:path'

/**
 * A second moto server that enforces IAM policies (moto's INITIAL_NO_AUTH_ACTION_COUNT: the first
 * requests go unchecked, every later one is checked against the caller's policies), started and
 * stopped by the suite that uses it. Its first three unchecked calls create an admin user; the admin
 * then creates the users and policies a test needs, and changes them between cases.
 */

export interface Credentials {
  accessKeyId: string
  secretAccessKey: string
}

const NO_AUTH_SETUP_CALLS = 3

/** A free port below the ephemeral range, so that nothing else is handed it while moto starts. */
export async function freeLowPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000)
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer()
      server.once('error', () => resolve(false))
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
    })
    if (free) return port
  }

  throw new Error('no free port between 20000 and 32000')
}

export class IamMoto {
  admin?: Credentials
  readonly endpoint: string
  private process?: ChildProcess

  constructor(readonly port: number) {
    this.endpoint = `http://127.0.0.1:${port}`
  }

  static motoServer(): string | undefined {
    const home = process.env.ENGINES_HOME ?? '/var/tmp/console-snapshot-engines'
    // scripts/engines names its venv after the hash of the pinned requirements (moto-venv-<hash>): the pinned moto.
    const requirements = readFileSync(new URL('../../scripts/pins/moto-requirements.txt', import.meta.url))
    const venv = `moto-venv-${createHash('sha256').update(requirements).digest('hex').slice(0, 12)}`
    const server = path.join(home, venv, 'bin', 'moto_server')
    return existsSync(server) ? server : undefined
  }

  /** IAM's query API, signed with the admin's keys (or any keys while moto still lets calls through unchecked). */
  async iam(action: string, parameters: Record<string, string>, credentials = this.admin): Promise<string> {
    const body = new URLSearchParams({Action: action, Version: '2010-05-08', ...parameters}).toString()
    const signer = new SignatureV4({
      credentials: credentials ?? {accessKeyId: 'setup', secretAccessKey: 'setup'},
      region: 'us-east-1',
      service: 'iam',
      sha256: Hash.bind(null, 'sha256'),
    })
    const signed = await signer.sign(
      new HttpRequest({
        body,
        headers: {'content-type': 'application/x-www-form-urlencoded', host: `127.0.0.1:${this.port}`},
        hostname: '127.0.0.1',
        method: 'POST',
        path: '/',
        port: this.port,
        protocol: 'http:',
      }),
    )
    const answer = await fetch(`${this.endpoint}/`, {body, headers: signed.headers, method: 'POST'})
    const text = await answer.text()
    if (!answer.ok) throw new Error(`IAM ${action} answered ${answer.status}: ${text.slice(0, 300)}`)
    return text
  }

  /** A user with an access key and one inline policy (replaced by setPolicy). */
  async newUser(name: string, statements: object[]): Promise<Credentials> {
    await this.iam('CreateUser', {UserName: name})
    await this.setPolicy(name, statements)
    const keys = await this.iam('CreateAccessKey', {UserName: name})
    return keysOf(keys)
  }

  async setPolicy(user: string, statements: object[]): Promise<void> {
    await this.iam('PutUserPolicy', {
      PolicyDocument: JSON.stringify({Statement: statements, Version: '2012-10-17'}),
      PolicyName: 'access',
      UserName: user,
    })
  }

  async start(): Promise<void> {
    const server = IamMoto.motoServer()
    if (!server) throw new Error('moto_server is not installed (scripts/engines installs it)')
    this.process = spawn(server, ['-H', '127.0.0.1', '-p', String(this.port)], {
      env: {...process.env, INITIAL_NO_AUTH_ACTION_COUNT: String(NO_AUTH_SETUP_CALLS)},
      stdio: 'ignore',
    })
    const deadline = Date.now() + 30_000
    for (;;) {
      // moto-api answers without counting as an action.
      const up = await fetch(`${this.endpoint}/moto-api/`).then(
        (answer) => answer.ok,
        () => false,
      )
      if (up) break
      if (Date.now() > deadline) throw new Error(`moto did not start on ${this.endpoint}`)
      await new Promise((resolve) => {
        setTimeout(resolve, 200)
      })
    }

    await this.iam('CreateUser', {UserName: 'admin'})
    await this.iam('PutUserPolicy', {
      PolicyDocument: JSON.stringify({
        Statement: [{Action: '*', Effect: 'Allow', Resource: '*'}],
        Version: '2012-10-17',
      }),
      PolicyName: 'admin',
      UserName: 'admin',
    })
    this.admin = keysOf(await this.iam('CreateAccessKey', {UserName: 'admin'}))
  }

  async stop(): Promise<void> {
    const child = this.process
    if (!child || child.exitCode !== null) return
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve())
      child.kill('SIGTERM')
    })
  }
}

function keysOf(xml: string): Credentials {
  const accessKeyId = /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(xml)?.[1]
  const secretAccessKey = /<SecretAccessKey>([^<]+)<\/SecretAccessKey>/.exec(xml)?.[1]
  if (!accessKeyId || !secretAccessKey) throw new Error(`no access key in ${xml.slice(0, 200)}`)
  return {accessKeyId, secretAccessKey}
}

/** `snapshot verify --json` against an IAM-enforcing store, the nodes signing with a named keystore client. */
export const iamVerifyArgs = (
  where: {basePath: string; bucket: string; client: string; cluster: string; store: string},
  ...extra: string[]
) => [
  'snapshot',
  'verify',
  '--endpoint',
  where.cluster,
  '--bucket',
  where.bucket,
  '--region',
  'us-east-1',
  '--s3-endpoint',
  where.store,
  '--base-path',
  where.basePath,
  '--s3-client',
  where.client,
  '--json',
  ...extra,
]

/** The environment of a console run with these keys and a data folder of its own. */
export const consoleEnvironment = (keys: Credentials, dataDir: string) => ({
  AWS_ACCESS_KEY_ID: keys.accessKeyId,
  AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
  CONSOLE_DATA_DIR: dataDir,
})
