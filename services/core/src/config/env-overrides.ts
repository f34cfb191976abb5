/**
 * Environment variables that override the YAML file, for containers where a config file
 * is awkward. Each entry names the config key it sets; docs/configuration.md lists them.
 */
export interface EnvOverride {
  variable: string;
  path: readonly string[];
  parse: 'string' | 'boolean' | 'integer';
  description: string;
}

export const ENV_OVERRIDES: readonly EnvOverride[] = [
  { variable: 'REDIS_URL', path: ['redis', 'url'], parse: 'string', description: 'Redis URL.' },
  {
    variable: 'REDIS_USERNAME',
    path: ['redis', 'username'],
    parse: 'string',
    description: 'Redis ACL user.',
  },
  {
    variable: 'REDIS_PASSWORD',
    path: ['redis', 'password'],
    parse: 'string',
    description: 'Redis AUTH password.',
  },
  {
    variable: 'REDIS_PASSWORD_FILE',
    path: ['redis', 'passwordFile'],
    parse: 'string',
    description: 'File holding the Redis password.',
  },
  {
    variable: 'REDIS_TLS',
    path: ['redis', 'tls'],
    parse: 'boolean',
    description: '`true` to connect with TLS.',
  },
  {
    variable: 'REDIS_TLS_CA_FILE',
    path: ['redis', 'tlsCaFile'],
    parse: 'string',
    description: 'CA certificate of the Redis server (PEM).',
  },
  {
    variable: 'REDIS_TLS_CERT_FILE',
    path: ['redis', 'tlsCertFile'],
    parse: 'string',
    description: 'Client certificate for Redis (PEM).',
  },
  {
    variable: 'REDIS_TLS_KEY_FILE',
    path: ['redis', 'tlsKeyFile'],
    parse: 'string',
    description: 'Key of the client certificate (PEM).',
  },
  {
    variable: 'REDIS_TLS_SERVERNAME',
    path: ['redis', 'tlsServerName'],
    parse: 'string',
    description: 'Name to verify the Redis certificate against.',
  },
  {
    variable: 'EI_KEY_PREFIX',
    path: ['redis', 'keyPrefix'],
    parse: 'string',
    description: 'Redis key prefix.',
  },
  { variable: 'LOG_LEVEL', path: ['log', 'level'], parse: 'string', description: 'Log level.' },
  {
    variable: 'LOG_FORMAT',
    path: ['log', 'format'],
    parse: 'string',
    description: '`auto`, `json` or `pretty`.',
  },
  {
    variable: 'EI_MAX_FRAME_BYTES',
    path: ['limits', 'maxFrameBytes'],
    parse: 'integer',
    description: 'Largest frame message accepted.',
  },
  {
    variable: 'EI_MAX_IMAGE_PIXELS',
    path: ['limits', 'maxImagePixels'],
    parse: 'integer',
    description: 'Largest image a worker decodes, in pixels.',
  },
  {
    variable: 'EI_WORKER_STALL_TIMEOUT_MS',
    path: ['worker', 'stallTimeoutMs'],
    parse: 'integer',
    description: 'A worker whose frame loop has not moved for this long fails `/healthz`.',
  },
];
