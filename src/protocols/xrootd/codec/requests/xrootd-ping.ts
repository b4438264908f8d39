import { Req } from '../xrootd-constants.ts';
import { XrootdRequestWriter } from '../xrootd-writer.ts';

/** kXR_ping (XProtocol.hh `ClientPingRequest`): no parameters, empty ok reply. */
export function encodePing(streamId: number): Buffer {
  return new XrootdRequestWriter(streamId, Req.ping).done();
}
