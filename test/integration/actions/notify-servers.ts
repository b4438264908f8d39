/**
 * The receivers of the failure notice, real and local: an SMTP server (npm smtp-server, with
 * AUTH) keeping every mail it accepts, and an HTTP server keeping every POST. Both on loopback.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  user: string | undefined;
  /** The message as it came over the wire (headers and body). */
  raw: string;
  subject: string;
  /** The text body, transfer encoding undone. */
  text: string;
}

export interface SmtpReceiver {
  port: number;
  mails: ReceivedMail[];
  close(): Promise<void>;
}

/** An SMTP server accepting mail only from `user`/`password` (AUTH PLAIN or LOGIN, no TLS). */
export async function startSmtpReceiver(user: string, password: string): Promise<SmtpReceiver> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === user && auth.password === password) cb(null, { user });
      else cb(new Error('Invalid username or password'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('latin1');
        const { subject, text } = parseMessage(raw);
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        mails.push({ from, to: session.envelope.rcptTo.map((r) => r.address), user: session.user as string | undefined, raw, subject, text });
        cb();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as { port: number }).port;
  return { port, mails, close: () => new Promise((r) => server.close(() => r())) };
}

/** Subject (headers unfolded) and text body of a single-part message, quoted-printable or base64 undone. */
function parseMessage(raw: string): { subject: string; text: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const body = raw.slice(split + 4);
  const header = (name: string) => head.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))?.slice(name.length + 1).trim() ?? '';
  const encoding = header('Content-Transfer-Encoding').toLowerCase();
  let text = body;
  if (encoding === 'quoted-printable') {
    text = Buffer.from(body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
  } else if (encoding === 'base64') text = Buffer.from(body, 'base64').toString('utf8');
  return { subject: header('Subject'), text: text.replace(/\r\n/g, '\n') };
}

export interface Posted {
  path: string;
  authorization: string | undefined;
  idempotencyKey: string | undefined;
  text: string;
  body: Record<string, unknown>;
}

export interface HttpReceiver {
  port: number;
  posts: Posted[];
  close(): Promise<void>;
}

/** An HTTP server answering 204 to every POST and keeping it. */
export async function startHttpReceiver(): Promise<HttpReceiver> {
  const posts: Posted[] = [];
  const server: Server = createHttpServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (d) => (text += d));
    req.on('end', () => {
      posts.push({ path: req.url ?? '', authorization: req.headers.authorization, idempotencyKey: req.headers['idempotency-key'] as string | undefined, text, body: JSON.parse(text) });
      res.writeHead(204);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return { port, posts, close: () => new Promise((r) => server.close(() => r())) };
}

