/** Worker-thread entry of compare3: runs one task per message, answers with its result or error. */
import { parentPort } from 'node:worker_threads';
import { runCompare3Task, type Compare3Task } from './compare3-tasks.ts';

parentPort!.on('message', async (task: Compare3Task) => {
  try {
    parentPort!.postMessage({ ok: true, result: await runCompare3Task(task) });
  } catch (err) {
    const e = err as { code?: string; message?: string };
    parentPort!.postMessage({ ok: false, code: e?.code, message: e?.message ?? String(err) });
  }
});
