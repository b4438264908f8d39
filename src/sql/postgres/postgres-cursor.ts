import Cursor from 'pg-cursor';

/**
 * pg-cursor, except that closing a cursor whose connection failed returns at once. kysely closes
 * the cursor in a `finally` after a failed read; pg-cursor's close() then waits for a
 * ReadyForQuery that a dead (terminated, reset) connection never sends, and the check would hang
 * forever instead of reporting the error.
 */
export class PostgresCursor<T = any> extends Cursor<T> {
  override close(): Promise<void>;
  override close(cb: (err: Error) => void): undefined;
  override close(cb?: (err: Error) => void): Promise<void> | undefined {
    // pg-cursor's state is not in its type declarations; 'error' once its connection failed.
    const state: unknown = Reflect.get(this, 'state');
    if (state === 'error') {
      if (cb) {
        setImmediate(cb as () => void);
        return undefined;
      }
      return Promise.resolve();
    }
    return cb ? super.close(cb) : super.close();
  }
}
