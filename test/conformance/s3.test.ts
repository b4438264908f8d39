/**
 * S3 lister conformance against a real s3rver (test/servers/s3-server.ts), the fixture uploaded
 * through the S3 API. The lister is built by the registry from a site config, with credentials
 * from the standard AWS environment variables (the SDK's default chain).
 */
import { createS3Lister } from '../../src/listers/s3/s3-lister.ts';
import { startS3Server, uploadTree } from '../servers/s3-server.ts';
import { runListerConformance } from './lister-suite.ts';

runListerConformance(
  's3 (s3rver)',
  async ({ fixtureDir }) => {
    const server = await startS3Server();
    try {
      await uploadTree(server, fixtureDir, 'conf/fixture/');
      process.env.AWS_ACCESS_KEY_ID = server.credentials.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = server.credentials.secretAccessKey;
      const lister = createS3Lister({
        url: `s3://${server.bucket}/conf`,
        concurrency: 4,
        timeoutSeconds: 20,
        site: { S3Endpoint: server.endpoint, S3ForcePathStyle: true, S3Region: 'us-east-1' },
      });
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
