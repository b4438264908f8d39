/**
 * A real nginx (Debian nginx-light + libnginx-mod-http-dav-ext) serving a directory over WebDAV on
 * 127.0.0.1: plain http on one port and https (throw-away CA) on another, optionally demanding a
 * client certificate or a bearer token. Started in the foreground from the test, stopped by it.
 */
import { freePort } from './free-port.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { addExitCleanup } from './netns.ts';
import { makeTestCa } from './test-ca.ts';
import { requireBinary, waitForPort } from './xrootd-server.ts';

const DAV_EXT = '/usr/lib/nginx/modules/ngx_http_dav_ext_module.so';
const SETUP_HINT = 'run scripts/setup-system.sh as root (installs nginx-light and libnginx-mod-http-dav-ext)';

export interface NginxServerOptions {
  /** Directory served at URL path "/". Must be readable by user nobody (nginx workers drop root). */
  dataDir: string;
  /** https only: reject clients without a certificate signed by the test CA. */
  requireClientCert?: boolean;
  /** Reject requests whose `Authorization` header is not `Bearer <one of these>` (401). */
  bearerTokens?: string[];
  /** URL paths (and everything below) answered with 403, as a server-side ACL would. */
  denyPaths?: string[];
  /** Write methods to enable (nginx `dav_methods`, e.g. ["DELETE"]); none by default: read-only. */
  davMethods?: ('PUT' | 'DELETE' | 'MKCOL' | 'COPY' | 'MOVE')[];
}

export interface NginxServer {
  httpUrl: string;
  httpsUrl: string;
  /** CA that signed the server certificate (and the client certificate below). */
  caFile: string;
  caDir: string;
  /** A client certificate + key signed by the test CA (for `requireClientCert`). */
  clientCert: string;
  clientKey: string;
  /** Connections nginx holds open now, the stub_status probe itself excluded. */
  activeConnections(): Promise<number>;
  log(): string;
  stop(): Promise<void>;
}

function config(dir: string, o: NginxServerOptions, ports: { http: number; https: number; status: number }, tls: { cert: string; key: string; caFile: string }): string {
  const auth = o.bearerTokens?.length
    ? `if ($http_authorization !~ "^Bearer (${o.bearerTokens.map((t) => t.replace(/[^A-Za-z0-9._~-]/g, '')).join('|')})$") { return 401; }`
    : '';
  return `
daemon off;
master_process on;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
load_module ${DAV_EXT};
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  keepalive_requests 100000;
  server {
    listen 127.0.0.1:${ports.http};
    listen 127.0.0.1:${ports.https} ssl;
    ssl_certificate ${tls.cert};
    ssl_certificate_key ${tls.key};
    ssl_client_certificate ${tls.caFile};
    ssl_verify_client ${o.requireClientCert ? 'on' : 'optional'};
    root ${o.dataDir};
    location / {
      ${auth}
      dav_ext_methods PROPFIND OPTIONS;
      ${o.davMethods?.length ? `dav_methods ${o.davMethods.join(' ')};` : ''}
    }
${(o.denyPaths ?? []).map((p) => `    location ^~ ${p} { return 403; }`).join('\n')}
  }
  server {
    listen 127.0.0.1:${ports.status};
    location / { stub_status; }
  }
}
`;
}

/** Starts nginx on free loopback ports; retries when another process grabbed a port meanwhile. */
export async function startNginx(opts: NginxServerOptions): Promise<NginxServer> {
  const bin = requireBinary('nginx');
  if (!existsSync(DAV_EXT)) throw new Error(`${DAV_EXT} is missing: ${SETUP_HINT}`);
  const dir = mkdtempSync('/tmp/dctest-nginx-');
  const forget = addExitCleanup(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'tmp'));
  const ca = makeTestCa(join(dir, 'tls'), ['127.0.0.1']);
  let child: ChildProcess | undefined;
  let stderr = '';
  const log = () => {
    let text = stderr;
    try {
      text += readFileSync(join(dir, 'error.log'), 'utf8');
    } catch {
      // not written yet
    }
    return text.slice(-8000);
  };
  const stopChild = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGTERM'); // fast shutdown of master and workers
    const timer = setTimeout(() => c.kill('SIGKILL'), 5_000);
    await gone;
    clearTimeout(timer);
  };
  const forgetChild = addExitCleanup(() => child?.kill('SIGKILL'));
  let ports = { http: 0, https: 0, status: 0 };
  for (let attempt = 1; ; attempt++) {
    ports = { http: await freePort(), https: await freePort(), status: await freePort() };
    writeFileSync(join(dir, 'nginx.conf'), config(dir, opts, ports, ca));
    stderr = '';
    let exitNote: string | undefined;
    const c = spawn(bin, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = c;
    c.stderr?.setEncoding('utf8');
    c.stderr?.on('data', (d: string) => (stderr += d));
    c.once('exit', (code, sig) => (exitNote = `nginx exited (code ${code}, signal ${sig})`));
    c.once('error', (err) => (exitNote = `nginx could not start: ${err.message}`));
    try {
      const dead = () => (exitNote ? `${exitNote}; log:\n${log()}` : undefined);
      for (const p of [ports.http, ports.https, ports.status]) await waitForPort('127.0.0.1', p, 10_000, dead);
      break;
    } catch (err) {
      await stopChild();
      if (attempt >= 3 || !/Address already in use/.test(log())) {
        rmSync(dir, { recursive: true, force: true });
        forget();
        forgetChild();
        throw err;
      }
    }
  }
  const activeConnections = () =>
    new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: ports.status, path: '/', agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => {
          const m = /Active connections:\s*(\d+)/.exec(body);
          if (!m) reject(new Error(`unexpected stub_status answer: ${body}`));
          else resolve(Number(m[1]) - 1);
        });
      });
      req.on('error', reject);
      req.end();
    });
  let stopped = false;
  return {
    httpUrl: `http://127.0.0.1:${ports.http}`,
    httpsUrl: `https://127.0.0.1:${ports.https}`,
    caFile: ca.caFile,
    caDir: ca.caDir,
    clientCert: ca.cert,
    clientKey: ca.key,
    activeConnections,
    log,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopChild();
      forgetChild();
      rmSync(dir, { recursive: true, force: true });
      forget();
    },
  };
}
