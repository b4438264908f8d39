import { DcError } from '../../core/errors.ts';

/** The fields of an AWS SDK v3 error we read (ServiceException and Node network errors). */
interface SdkErrorLike {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

const NOT_FOUND = new Set(['NoSuchBucket', 'NoSuchKey', 'NotFound']);
const PERMISSION = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken', 'AllAccessDisabled', 'CredentialsProviderError']);
const TIMEOUT = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'ETIMEDOUT']);

/**
 * Maps an SDK failure to our codes, keeping the S3 error code, HTTP status and request id on
 * `detail`. Messages name the bucket and prefix, never credentials (the SDK does not put them in).
 */
export function s3Error(err: unknown, what: string, signal?: AbortSignal): DcError {
  if (err instanceof DcError) return err;
  const e = (err ?? {}) as SdkErrorLike;
  const name = e.name ?? '';
  const status = e.$metadata?.httpStatusCode;
  const detail = { s3Code: name || e.code, httpStatus: status, requestId: e.$metadata?.requestId };
  const msg = `${what}: ${name ? name + ': ' : ''}${e.message ?? String(err)}`;
  if (signal?.aborted || name === 'AbortError') return new DcError('ABORTED', `${what}: aborted`, { cause: err });
  if (NOT_FOUND.has(name) || status === 404) return new DcError('NOT_FOUND', msg, { cause: err, detail });
  if (PERMISSION.has(name) || status === 403 || status === 401) return new DcError('PERMISSION', msg, { cause: err, detail });
  if (TIMEOUT.has(name) || TIMEOUT.has(e.code ?? '')) return new DcError('TIMEOUT', msg, { cause: err, detail });
  if (status !== undefined && status >= 400 && status < 500) return new DcError('PROTOCOL', msg, { cause: err, detail });
  return new DcError('IO', msg, { cause: err, detail });
}
