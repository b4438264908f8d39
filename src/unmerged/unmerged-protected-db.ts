import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { nameToStoredText } from '../core/escape.ts';

const BATCH = 5000;

/**
 * SITE_protected.db, the files the unmerged cleaning kept, in the original's layout so its search
 * script still works: `timestamp(timestamp)`, `directories(id, dirname)`, `files(dir, file)` (`dir`
 * is a `directories.id`, `file` the name within it). Built in a temporary file beside the target
 * (its own file, not WAL: it is written once and then only read) and renamed into place on
 * commit(), so a reader sees the previous database or the whole new one.
 */
export class ProtectedDbWriter {
  private readonly tmp: string;
  private readonly db: Database.Database;
  private readonly dirIds = new Map<string, number>();
  private readonly insertDir: Database.Statement;
  private readonly insertFile: Database.Statement;
  private pending: [string, string][] = [];
  private done = false;
  files = 0;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
    this.db = new Database(this.tmp);
    this.db.pragma('journal_mode = OFF');
    this.db.pragma('synchronous = OFF');
    this.db.exec('CREATE TABLE timestamp (timestamp INTEGER NOT NULL); CREATE TABLE directories (id INTEGER PRIMARY KEY, dirname TEXT NOT NULL UNIQUE); CREATE TABLE files (dir INTEGER NOT NULL REFERENCES directories(id), file TEXT NOT NULL);');
    this.insertDir = this.db.prepare('INSERT INTO directories (id, dirname) VALUES (?, ?)');
    this.insertFile = this.db.prepare('INSERT INTO files (dir, file) VALUES (?, ?)');
  }

  /** One kept file: its directory's LFN and its name. */
  add(dir: string, file: string): void {
    this.pending.push([dir, file]);
    this.files++;
    if (this.pending.length >= BATCH) this.flush();
  }

  private flush(): void {
    const rows = this.pending;
    this.pending = [];
    this.db.transaction(() => {
      for (const [dir, file] of rows) {
        let id = this.dirIds.get(dir);
        if (id === undefined) {
          id = this.dirIds.size + 1;
          this.dirIds.set(dir, id);
          this.insertDir.run(id, nameToStoredText(dir));
        }
        this.insertFile.run(id, nameToStoredText(file));
      }
    })();
  }

  /** Writes the timestamp (epoch seconds), indexes the names for searching, and puts the file in place. */
  commit(timestamp: number): void {
    if (this.done) return;
    try {
      this.flush();
    } catch (err) {
      this.abort();
      throw err;
    }
    this.db.prepare('INSERT INTO timestamp (timestamp) VALUES (?)').run(Math.floor(timestamp));
    this.db.exec('CREATE INDEX files_dir_idx ON files (dir)');
    this.db.close();
    this.done = true;
    try {
      renameSync(this.tmp, this.path);
    } catch (err) {
      rmSync(this.tmp, { force: true });
      throw err;
    }
  }

  abort(): void {
    if (this.done) return;
    this.done = true;
    try {
      this.db.close();
    } finally {
      rmSync(this.tmp, { force: true });
    }
  }
}
