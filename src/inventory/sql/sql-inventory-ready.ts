import type { Kysely } from 'kysely';
import { connectError } from '../inventory-credentials.ts';
import type { Inventory } from '../inventory.ts';
import { withQueues } from '../inventory-queues.ts';
import { createDynamoSchema, type DynamoDb } from './dynamo-schema.ts';
import { DynamoInventory } from './dynamo-inventory.ts';
import { GenericSqlInventory } from './generic-sql-inventory.ts';
import { RegistryQueueSource } from './registry-queues.ts';
import { createRegistrySchema } from './registry-schema.ts';

/**
 * What every server engine does once its dialect exists: prove the connection, create the schema
 * when asked, and wrap Dynamo's queries (or the operator's query) with the registry queues.
 * A failure closes the pool and names the engine and the (redacted) URL.
 */
export async function readySqlInventory(
  kind: 'mysql' | 'postgres',
  engineName: string,
  db: Kysely<DynamoDb>,
  url: string,
  opts: { create?: boolean; query?: string },
): Promise<Inventory> {
  try {
    await db.selectNoFrom((eb) => eb.val(1).as('one')).execute();
    if (opts.create) {
      await createDynamoSchema(db);
      await createRegistrySchema(db);
    }
  } catch (err) {
    await db.destroy().catch(() => undefined);
    throw connectError(engineName, url, err);
  }
  const base = opts.query ? new GenericSqlInventory(kind, db, opts.query) : new DynamoInventory(kind, db);
  return withQueues(base, [new RegistryQueueSource(db as Kysely<any>)]);
}
