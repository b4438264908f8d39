/**
 * S3 lister conformance against a real s3rver (test/servers/s3-server.ts), the fixture uploaded
 * through the S3 API. The lister is built by the registry from a site config, as a check builds it,
 * with credentials from the standard AWS environment variables of the environment it is given.
 */
import { createLister } from '../../src/listers/registry.ts';
import { siteBackend } from '../helpers/backend-site.ts';
import { startS3Server, uploadTree } from '../servers/s3-server.ts';
import { runListerConformance } from './lister-suite.ts';

runListerConformance(
  's3 (s3rver)',
  async ({ fixtureDir }) => {
    const server = await startS3Server();
    try {
      await uploadTree(server, fixtureDir, 'conf/fixture/');
      const env = { AWS_ACCESS_KEY_ID: server.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: server.credentials.secretAccessKey };
      const lister = await createLister(
        siteBackend({ Url: `s3://${server.bucket}/conf`, NumThreads: 4, Timeout: 20, S3Endpoint: server.endpoint, S3ForcePathStyle: true, S3Region: 'us-east-1' }, env),
      );
      return {
        lister,
        root: '/fixture',
        teardown: async () => {
          await lister.close();
          await server.stop();
        },
      };
    } catch (err) {
      await server.stop();
      throw err;
    }
  },
  {
    forbiddenDirectory: 'S3 permissions are per bucket (and s3rver has none): no prefix can refuse listing',
    emptyDirectories: 'S3 has no directories, only keys: an empty directory cannot be stored (the lister declares noEmptyDirectories)',
    directoryMtimes: 'S3 keeps no directory times: a directory gets the newest LastModified below it',
    fileMtimes: 'LastModified is the upload time and cannot be set',
    rawByteNames: 'S3 keys are UTF-8 by the API: a name that is not cannot be stored (uploadTree leaves the fixture\'s /bytes entries out)',
  },
);
