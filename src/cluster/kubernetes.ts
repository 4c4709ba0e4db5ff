import {promises as fs} from 'node:fs'
import path from 'node:path'

import {UsageError} from '../errors.js'

/** Where a pod finds its service account: token, CA and namespace (the console's own pod included). */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount'
/** The console's namespace when the pod does not say. */
export const DEFAULT_NAMESPACE = 'ma'

export interface KubernetesAccess {
  env?: NodeJS.ProcessEnv
  /** The service account folder (token, ca.crt, namespace); tests point it elsewhere. */
  serviceAccountDir?: string
}

/**
 * Reads `username` and `password` of a secret in the console's namespace from the Kubernetes API,
 * the way a pod does: the service account's token as bearer, TLS verified against its CA.
 */
export async function readKubernetesSecret(
  secretName: string,
  access: KubernetesAccess = {},
): Promise<{password: string; username: string}> {
  const env = access.env ?? process.env
  const directory = access.serviceAccountDir ?? env.CONSOLE_K8S_SERVICE_ACCOUNT_DIR ?? SERVICE_ACCOUNT_DIR
  const field = `source_cluster.basic_auth.k8s_secret_name (${secretName})`
  const host = env.KUBERNETES_SERVICE_HOST
  const read = (name: string) =>
    fs.readFile(path.join(directory, name), 'utf8').then(
      (text) => text.trim(),
      () => {},
    )
  const [token, ca, namespaceFile] = await Promise.all([read('token'), read('ca.crt'), read('namespace')])
  if (!host || !token || !ca)
    throw new UsageError(
      `${field}: reading a Kubernetes secret needs the pod's service account (${host ? `no ${token ? 'ca.crt' : 'token'} in ${directory}` : 'KUBERNETES_SERVICE_HOST is not set'}); this is not a pod of the cluster`,
      [
        'run the command inside the migration console pod, or give basic_auth.username and password (or user_secret_arn) instead',
      ],
    )
  const namespace = namespaceFile || DEFAULT_NAMESPACE
  const port = env.KUBERNETES_SERVICE_PORT ?? '443'
  const url = `https://${host.includes(':') ? `[${host}]` : host}:${port}/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(secretName)}`
  const {default: got} = await import('got')
  const response = await got(url, {
    headers: {accept: 'application/json', authorization: `Bearer ${token}`},
    https: {certificateAuthority: ca, rejectUnauthorized: true},
    retry: {limit: 1},
    throwHttpErrors: false,
    timeout: {request: 15_000},
  })
  if (response.statusCode === 404) throw new UsageError(`${field}: no such secret in namespace ${namespace}`)
  if (response.statusCode === 403)
    throw new UsageError(`${field}: the pod's service account may not read secrets in namespace ${namespace} (403)`)
  if (response.statusCode >= 400) throw new Error(`${field}: the Kubernetes API answered ${response.statusCode}`)
  const data = (JSON.parse(response.body) as {data?: Record<string, string>}).data ?? {}
  const missing = ['username', 'password'].filter((key) => typeof data[key] !== 'string')
  if (missing.length > 0) throw new UsageError(`${field}: the secret has no ${missing.join(' and ')} key`)
  const decode = (value: string) => Buffer.from(value, 'base64').toString('utf8')
  return {password: decode(data.password), username: decode(data.username)}
}
