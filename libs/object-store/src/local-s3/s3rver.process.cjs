// A local S3 endpoint (s3rver) in its own process, for `portico up` and the test harness. It
// needs `node --openssl-legacy-provider` (s3rver hashes paginated listing markers with an
// algorithm OpenSSL 3 keeps in its legacy provider), which only a fresh process can turn on.
// argv: <host> <port> <directory> [--pid-file <file>] [bucket...]
// Prints one JSON line {"ready":true,"port":N} once it accepts requests.
'use strict';
const fs = require('node:fs');
const S3rver = require('s3rver');

const [host, port, directory, ...rest] = process.argv.slice(2);
const pidFlag = rest.indexOf('--pid-file');
const pidFile = pidFlag >= 0 ? rest.splice(pidFlag, 2)[1] : undefined;
const server = new S3rver({
  address: host,
  port: Number(port),
  directory,
  silent: true,
  configureBuckets: rest.map((name) => ({ name })),
});

server.run().then(
  (address) => {
    if (pidFile) fs.writeFileSync(pidFile, `${process.pid}\n`);
    process.stdout.write(`${JSON.stringify({ ready: true, port: address.port })}\n`);
  },
  (error) => {
    process.stderr.write(`local S3 endpoint failed to start on ${host}:${port}: ${error.message}\n`);
    process.exit(1);
  },
);
const stop = () => server.close().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
