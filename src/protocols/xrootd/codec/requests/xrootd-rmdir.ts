import { Req } from '../xrootd-constants.ts';
import { pathData, XrootdRequestWriter } from '../xrootd-writer.ts';

/** kXR_rmdir (XProtocol.hh `ClientRmdirRequest`): 16 reserved bytes, path as data, empty ok reply. */
export function encodeRmdir(streamId: number, path: string): Buffer {
  return new XrootdRequestWriter(streamId, Req.rmdir, pathData(path)).done();
}
