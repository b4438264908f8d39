/**
 * Errors with a stable `code` (habit 7 of STYLE.md). Callers branch on `code`, never on messages.
 * Protocol-specific details (XRootD error number, HTTP status, SQLSTATE) stay on `detail`.
 */
export type ErrorCode =
  | 'CONFIG'            // invalid configuration: unknown key, wrong type, unreadable file
  | 'INPUT'             // malformed input file (line number in the message)
  | 'NOT_FOUND'         // path does not exist on the storage
  | 'PERMISSION'        // storage refused access
  | 'TIMEOUT'           // a request took longer than its timeout
  | 'IO'                // connection or disk failure, worth retrying
  | 'PROTOCOL'          // peer spoke something we could not decode
  | 'ABORTED'           // caller aborted (halt, SIGTERM, early stop)
  | 'UNSUPPORTED'       // URL scheme or feature not available
  | 'STATE'             // site locked, bad state transition
  | 'INTERNAL';

export class DcError extends Error {
  readonly code: ErrorCode;
  readonly detail?: Record<string, unknown>;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; detail?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DcError';
    this.code = code;
    this.detail = options?.detail;
  }
}

/** Errors worth another try of the same request: the storage may answer next time. */
export function isRetryable(err: unknown): boolean {
  if (!(err instanceof DcError)) return true;
  return err.code === 'TIMEOUT' || err.code === 'IO' || err.code === 'PROTOCOL' || err.code === 'INTERNAL';
}

export function errorCode(err: unknown): ErrorCode {
  return err instanceof DcError ? err.code : 'INTERNAL';
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
