import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { doorEndpoint } from '../../../src/listers/xrootd/xrootd-doors.ts';

describe('xrootd door discovery', () => {
  it('reaches a data server that names itself 127.0.0.1 at its redirector address', () => {
    const r = { host: '10.231.0.2', port: 1094, tlsMode: 'off' as const };
    assert.deepEqual(doorEndpoint({ host: '127.0.0.1', port: 1095 }, r), { host: '10.231.0.2', port: 1095, tlsMode: 'off' });
    assert.deepEqual(doorEndpoint({ host: 'door.example', port: 1096 }, r), { host: 'door.example', port: 1096, tlsMode: 'off' });
    const local = { host: '127.0.0.1', port: 1094, tlsMode: 'off' as const };
    assert.deepEqual(doorEndpoint({ host: 'localhost', port: 1097 }, local).host, 'localhost');
  });
});
