/**
 * D6's helpers: raw requests over a socket (no client normalisation of the URL), and real failed
 * `check` runs holding secrets, with a dashboard over what they left.
 */
import { freePort } from '../servers/free-port.ts';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/config-loader.ts';
import { HistoryStore } from '../../src/store/history-store.ts';
import { createWebServer } from '../../src/web/web-server.ts';
import { runCli } from '../helpers/run-cli.ts';
import { writeCliConfig } from '../helpers/cli-fixture.ts';

export function rawRequest(base: string, text: string): Promise<string> {
  const { port } = new URL(base);
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: Number(port) }, () => s.end(text));
    let out = '';
    s.on('data', (d) => (out += d));
    s.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' || (e as NodeJS.ErrnoException).code === 'EPIPE' ? resolve(out) : reject(e)));
    s.on('close', () => resolve(out));
  });
}

/**
 * Real `check` runs (the CLI, as users run it) given secrets: a password in a davs:// URL, a bearer
 * token file for a WebDAV site, a password in the MySQL inventory URL. Each run fails; what they
 * leave (history, logs, lists) is then served by a dashboard over the same configuration.
 */
export async function secretRuns(dir: string) {
  const root = join(dir, 'secrets');
  mkdirSync(root, { recursive: true });
  const port = await freePort(); // nothing listens there
  const bearer = `eyJhbGciOiJSUzI1NiJ9.Bearer-Secret-${process.pid}`;
  writeFileSync(join(root, 'token'), bearer + '\n', { mode: 0o600 });
  const db = `dc_d6_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const secrets = ['S3cretPw', 'Inv3ntoryPw', bearer, 'Bearer-Secret'];
  const sites = { T2_XX_UrlPassword: `davs://dcuser:S3cretPw@127.0.0.1:${port}/store`, T2_XX_Bearer: `davs://127.0.0.1:${port}/store` };
  const write = (inventory: object) =>
    writeCliConfig(root, {
      RootPath: '/store',
      Sites: { T2_XX_UrlPassword: { Url: sites.T2_XX_UrlPassword }, T2_XX_Bearer: { Url: sites.T2_XX_Bearer, BearerTokenFile: join(root, 'token') }, T2_XX_Inventory: { Url: `davs://127.0.0.1:${port}/store` } },
      Inventory: inventory,
    });
  const cli: string[] = [];
  const check = async (site: string, json: boolean) => {
    const r = await runCli(['check', ...(json ? ['--json'] : []), '--debug', '--config', 'consistency_config.json', '--site', `^${site}$`], { cwd: root, timeoutMs: 120_000 });
    assert.notEqual(r.code, 0, `${site}: the run should fail`);
    cli.push(r.stdout + r.stderr);
  };
  write({ Type: 'mysql', Url: `mysql://root:Inv3ntoryPw@127.0.0.1:3306/${db}` });
  await check('T2_XX_Inventory', true);
  await check('T2_XX_Inventory', false);
  writeFileSync(join(root, 'inv.sqlite'), '');
  write({ Type: 'sqlite', Path: join(root, 'inv.sqlite') });
  for (const site of Object.keys(sites)) {
    await check(site, true);
    await check(site, false);
  }
  const config = loadConfig(join(root, 'consistency_config.json'), {});
  const store = await HistoryStore.open(config.historyUrl);
  const webLog: string[] = [];
  const { app } = await createWebServer({ config, store, log: (event, fields) => webLog.push(JSON.stringify({ event, ...fields })) });
  await app.ready();
  const runIds: number[] = [];
  for (const site of config.siteNames) for (let id = (await store.runs.latestId(site)) ?? 0; id > 0 && runIds.length < 20; id--) {
    try {
      if ((await store.runs.get(id)).site === site && !runIds.includes(id)) runIds.push(id);
    } catch {
      // not a run of this store
    }
  }
  return {
    secrets, cli, app, webLog, runIds, sites: [...config.siteNames],
    files(): [string, string][] {
      const out: [string, string][] = [];
      for (const d of ['var', 'www']) {
        let names: string[] = [];
        try {
          names = readdirSync(join(root, d));
        } catch {
          continue;
        }
        for (const n of names) if (statSync(join(root, d, n)).isFile()) out.push([`${d}/${n}`, readFileSync(join(root, d, n), 'latin1')]);
      }
      return out;
    },
    async close() {
      await app.close();
      await store.close();
    },
  };
}
