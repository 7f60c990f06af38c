// Demo front service (plain node:http): GET /checkout/:id calls the back-end's /orders/:id.
// Traced by `node --require @otel-skywalking/node/register`, configured by environment variables.
'use strict';
const http = require('node:http');
const log = require('./logger.cjs');

const backend = new URL(process.env.BACKEND_URL);

function callBackend(path) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: backend.hostname, port: backend.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const server = http.createServer(async (req, res) => {
  const match = /^\/checkout\/([\w-]+)$/.exec(req.url);
  if (!match) {
    res.statusCode = 404;
    return res.end();
  }
  log.info({ order: match[1] }, 'checkout started');
  try {
    const answer = await callBackend(`/orders/${match[1]}`);
    if (answer.status !== 200) log.error({ order: match[1], status: answer.status }, 'back-end refused the order');
    res.statusCode = answer.status === 200 ? 200 : 502;
    res.setHeader('content-type', 'application/json');
    res.end(answer.body);
  } catch (err) {
    log.error({ err }, 'back-end unreachable');
    res.statusCode = 502;
    res.end(String(err));
  }
});

server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ ready: 'front', port: server.address().port }) + '\n'));
process.on('SIGTERM', () => server.close());
