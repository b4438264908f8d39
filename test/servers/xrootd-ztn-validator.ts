import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addExitCleanup } from './netns.ts';

/**
 * A token validator for the real xrootd `ztn` protocol, so that tests need no SciTokens issuer.
 *
 * xrootd 5.5.3's ztn plugin always hands tokens to a validator library (`-tokenlib PATH`, default
 * libXrdAccSciTokens.so, not installed here and needing an HTTPS issuer); the `-tokenlib none`
 * switch of later releases does not exist in 5.5.3 (the server answers "No such file or directory
 * loading ztn.tokenlib none"). The library only has to export the data symbol `SciTokensHelper`:
 * a pointer to an object whose second virtual function is
 * `bool Validate(const char *token, std::string &emsg, long long *expiry, XrdSecEntity *)`
 * (vtable layout of XrdSciTokensHelper: IssuerList, Validate, destructors — checked against the
 * call in libXrdSecztn-5.so). This one accepts exactly the tokens starting with `ACCEPTED_PREFIX`
 * and refuses the others with REFUSAL_TEXT, so a test sees both answers of the real server.
 */
export const ACCEPTED_PREFIX = 'dctest-good.';
export const REFUSAL_TEXT = 'token refused by the dctest validator';

const SOURCE = `
#include <cstring>
#include <string>
#include <vector>
class XrdSecEntity;
struct DctestIssuer { std::string name; std::string url; };
class DctestValidator {
public:
  virtual std::vector<DctestIssuer> IssuerList() { return std::vector<DctestIssuer>(); }
  virtual bool Validate(const char *token, std::string &emsg, long long *expiry, XrdSecEntity *) {
    if (std::strncmp(token, "${ACCEPTED_PREFIX}", ${ACCEPTED_PREFIX.length}) != 0) {
      emsg = "${REFUSAL_TEXT}";
      return false;
    }
    // 0 reads as "expires at the epoch of the monotonic clock": never in the future, never missing.
    if (expiry) *expiry = 0;
    return true;
  }
  virtual ~DctestValidator() {}
};
static DctestValidator validator;
extern "C" { DctestValidator *SciTokensHelper = &validator; }
`;

export interface ZtnValidator {
  /** The shared library to name in `sec.protocol ztn -tokenlib PATH`. */
  libPath: string;
  remove(): void;
}

/** Compiles the validator with g++ into a directory the xrootd user can read. */
export function buildZtnValidator(): ZtnValidator {
  const dir = mkdtempSync('/tmp/dctest-ztnlib-');
  const forget = addExitCleanup(() => rmSync(dir, { recursive: true, force: true }));
  chmodSync(dir, 0o755);
  const src = join(dir, 'dctest-ztn-validator.cc');
  const libPath = join(dir, 'libdctest-ztn-validator.so');
  writeFileSync(src, SOURCE);
  const r = spawnSync('g++', ['-shared', '-fPIC', '-O1', '-o', libPath, src], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    forget();
    const why = r.error ? r.error.message : `exit ${r.status}: ${r.stderr}`;
    throw new Error(`cannot build the ztn test validator with g++ (${why}); install g++ (apt-get install -y g++), which npm also needs to build better-sqlite3`);
  }
  chmodSync(libPath, 0o755);
  return {
    libPath,
    remove() {
      rmSync(dir, { recursive: true, force: true });
      forget();
    },
  };
}

/** Server configuration for ztn as the only protocol; the server then also demands TLS for login. */
export function ztnServerConfig(v: ZtnValidator): string {
  return ['xrootd.seclib libXrdSec.so', `sec.protocol ztn -tokenlib ${v.libPath}`, 'sec.protbind * only ztn'].join('\n');
}
