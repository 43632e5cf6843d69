// Starts s3rver (the S3-compatible test server, installed by s3-tools.sh) for the checkpoint-storage tests:
//   node s3rver-host.js DATA_DIR BUCKET [--conditional-writes] [--request-log=FILE] [--address=IP] [--port=N]
// It listens on 127.0.0.1 and a free port unless told otherwise (the Kubernetes launch test runs it on a test bed
// host's 198.18.0.0/15 address), and prints "listening PORT" once it accepts requests. The keys are
// s3rver's fixed pair S3RVER / S3RVER; signatures are checked, so other keys are refused (403).
//
// s3rver itself ignores conditional writes (If-None-Match / If-Match on PutObject). With --conditional-writes this
// host adds them as AWS S3 does (412 PreconditionFailed when the condition does not hold): the one stand-in of these
// tests, so that the world fence's compare-and-swap can run against a server that offers it.
//
// With --request-log=FILE each request is appended to FILE as one line, "METHOD /bucket/key" (decoded), when it
// arrives: the dataset tests count the GETs of each image object to see which objects the trainers downloaded.
'use strict';
const fs = require('fs');
const S3rver = require('s3rver');

const [dataDir, bucket, ...flags] = process.argv.slice(2);
const conditional = flags.includes('--conditional-writes');
const flag = name => (flags.find(f => f.startsWith(`--${name}=`)) || '').slice(name.length + 3);
const requestLog = flag('request-log');
const server = new S3rver({ address: flag('address') || '127.0.0.1', port: Number(flag('port') || 0), silent: true, directory: dataDir, configureBuckets: [{ name: bucket }] });

// s3rver writes an object in place, so a GET during a PUT of the same key can see a torn object, which S3 never
// shows (a PUT is atomic there). Requests therefore run one at a time, each to its end; with --conditional-writes the
// condition is checked inside that turn, so the check and the write are one step, as on S3.
let queue = Promise.resolve();
const preconditionFailed = ctx => {
  ctx.status = 412;
  ctx.type = 'application/xml';
  ctx.body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed</Code>' +
    '<Message>At least one of the pre-conditions you specified did not hold</Message></Error>';
};
const conditionHolds = async ctx => {
  const parts = ctx.path.split('/').filter(p => p.length > 0);
  if (!conditional || ctx.method !== 'PUT' || parts.length < 2 || Object.keys(ctx.query).length > 0) return true;
  const noneMatch = ctx.get('if-none-match');
  const match = ctx.get('if-match');
  if (!noneMatch && !match) return true;
  const key = parts.slice(1).map(decodeURIComponent).join('/');
  const etag = (await ctx.store.existsObject(parts[0], key)) ? (await ctx.store.getMetadata(parts[0], key)).etag : null;
  if (noneMatch === '*' && etag !== null) return false;
  if (match && (etag === null || match !== etag)) return false;
  return true;
};
// A turn also ends when the client's connection closes: a client killed mid-PUT leaves s3rver waiting on a body that
// never ends, and without this every later request would queue behind it for ever. For a request that completes,
// the response closes after s3rver has handled it, so the one-at-a-time order is unchanged.
const oneAtATime = (ctx, next) => {
  const run = queue.then(async () => ((await conditionHolds(ctx)) ? next() : preconditionFailed(ctx)));
  const closed = new Promise(resolve => ctx.res.once('close', resolve));
  queue = Promise.race([run, closed]).catch(() => {});
  return run;
};
const logRequest = (ctx, next) => {
  fs.appendFileSync(requestLog, `${ctx.method} ${decodeURIComponent(ctx.path)}\n`);
  return next();
};
// Before s3rver's router (its last middleware), after its logger and error handling.
server.middleware.splice(server.middleware.length - 1, 0, ...(requestLog ? [logRequest] : []), oneAtATime);

server.run().then(address => {
  process.stdout.write(`listening ${address.port}\n`);
}, err => {
  process.stderr.write(`s3rver: ${err.stack || err}\n`);
  process.exit(1);
});
process.on('SIGTERM', () => server.close().then(() => process.exit(0), () => process.exit(0)));
