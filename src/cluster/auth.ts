import type {ClusterAuth} from '../services/model.js'
import type {KubernetesAccess} from './kubernetes.js'

import {UsageError} from '../errors.js'

export interface OutgoingRequest {
  body?: string
  headers: Record<string, string>
  method: string
  url: URL
}

/** Adds the credentials of one auth mode to a request; called again for each retry so signatures stay fresh. */
export type Authorizer = (request: OutgoingRequest) => Promise<Record<string, string>>

export interface AuthDependencies {
  /** The AWS credentials for sigv4, from the SDK's default chain unless given. */
  awsCredentials?: () => Promise<{accessKeyId: string; secretAccessKey: string; sessionToken?: string}>
  env?: NodeJS.ProcessEnv
  /** How a Kubernetes secret is reached (tests point it at a stand-in). */
  kubernetes?: KubernetesAccess
  /** Reads {username, password} from a Secrets Manager secret. */
  readSecret?: (secretArn: string) => Promise<{password: string; username: string}>
  /** sigv4: sign for this host (sigv4_signing_endpoint) while the request goes to the cluster endpoint. */
  signingEndpoint?: string
}

export function authorizerFor(auth: ClusterAuth, dependencies: AuthDependencies = {}): Authorizer {
  switch (auth.kind) {
    case 'basic': {
      return basicAuthorizer(async () => auth)
    }

    case 'basic-k8s': {
      let secret: Promise<{password: string; username: string}> | undefined
      return basicAuthorizer(() => {
        secret ??= import('./kubernetes.js').then(({readKubernetesSecret}) =>
          readKubernetesSecret(auth.secretName, dependencies.kubernetes),
        )
        return secret
      })
    }

    case 'basic-secret': {
      const read = dependencies.readSecret ?? readBasicAuthSecret
      let secret: Promise<{password: string; username: string}> | undefined
      return basicAuthorizer(() => {
        secret ??= read(auth.secretArn)
        return secret
      })
    }

    case 'none': {
      return async (request) => request.headers
    }

    case 'sigv4': {
      return sigv4Authorizer(auth, dependencies)
    }
  }
}

function basicAuthorizer(credentials: () => Promise<{password: string; username: string}>): Authorizer {
  return async (request) => {
    const {password, username} = await credentials()
    return {...request.headers, authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`}
  }
}

/** A Secrets Manager secret by ARN (its region is in it) or by name (the SDK's region: AWS_REGION, profile, ...). */
export async function readBasicAuthSecret(secretArn: string): Promise<{password: string; username: string}> {
  const {GetSecretValueCommand, SecretsManagerClient} = await import('@aws-sdk/client-secrets-manager')
  const region = secretArn.startsWith('arn:') ? secretArn.split(':')[3] : undefined
  const client = new SecretsManagerClient(region ? {region} : {})
  const answer = await client.send(new GetSecretValueCommand({SecretId: secretArn}))
  let parsed: unknown
  try {
    parsed = JSON.parse(answer.SecretString ?? '')
  } catch {
    parsed = undefined
  }

  const secret = parsed as undefined | {password?: unknown; username?: unknown}
  if (typeof secret?.username !== 'string' || typeof secret?.password !== 'string')
    throw new UsageError(`secret ${secretArn}: must be JSON with string fields "username" and "password"`)
  return {password: secret.password, username: secret.username}
}

export function sigv4Region(auth: {region?: string}, env: NodeJS.ProcessEnv = process.env): string {
  const region = auth.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION
  if (!region)
    throw new UsageError(
      'source_cluster.sigv4.region: no region for signing; set it in the services file or AWS_REGION',
      ['add region: <aws-region> under source_cluster.sigv4'],
    )
  return region
}

function sigv4Authorizer(auth: {region?: string; service: string}, dependencies: AuthDependencies): Authorizer {
  let signer: Promise<import('@smithy/signature-v4').SignatureV4> | undefined
  const makeSigner = async () => {
    const [{SignatureV4}, {Hash}] = await Promise.all([import('@smithy/signature-v4'), import('@smithy/hash-node')])
    const credentials =
      dependencies.awsCredentials ?? (await import('@aws-sdk/credential-providers')).fromNodeProviderChain()
    return new SignatureV4({
      credentials,
      region: sigv4Region(auth, dependencies.env),
      service: auth.service,
      sha256: Hash.bind(null, 'sha256'),
    })
  }

  return async (request) => {
    const [{HttpRequest}, activeSigner] = await Promise.all([
      import('@smithy/protocol-http'),
      (signer ??= makeSigner()),
    ])
    const query: Record<string, string> = {}
    for (const [key, value] of request.url.searchParams) query[key] = value
    // Behind a proxy the signature is for the managed domain's host, and that Host header is sent.
    const signingHost = dependencies.signingEndpoint ? new URL(dependencies.signingEndpoint).host : request.url.host
    const unsigned = new HttpRequest({
      body: request.body,
      headers: {...request.headers, host: signingHost},
      hostname: signingHost.replace(/:\d+$/, ''),
      method: request.method,
      path: request.url.pathname,
      port: request.url.port ? Number(request.url.port) : undefined,
      protocol: request.url.protocol,
      query,
    })
    const signed = await activeSigner.sign(unsigned)
    return signed.headers as Record<string, string>
  }
}
