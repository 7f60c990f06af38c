// The application: it knows nothing about tracing. GET /orders/:id calls /stock/:id on itself.
'use strict';
const http = require('node:http');

const server = http.createServer((req, res) => {
  if (req.url.startsWith('/stock/')) return res.end(JSON.stringify({ inStock: true }));
  const id = req.url.split('/')[2] || '0';
  http
    .request({ host: '127.0.0.1', port: server.address().port, path: `/stock/${id}` }, (stock) => {
      stock.resume();
      stock.on('end', () => res.end(JSON.stringify({ id, status: 'ok' })));
    })
    .end();
});
server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
});
process.on('SIGTERM', () => server.close());
