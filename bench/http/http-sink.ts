// The counting collector of the http instrumentation benchmarks in its own process (its event loop
// not shared with the load generator, as a real OAP's would not be). Prints `READY <address>`;
// answers `stats` on stdin with `STATS <segments> <spans>`.
import * as readline from 'node:readline';
import { startCountingSink } from './http-load';

void startCountingSink().then((sink) => {
  process.stdout.write(`READY ${sink.address}\n`);
  readline.createInterface({ input: process.stdin }).on('line', (line) => {
    if (line === 'stats') process.stdout.write(`STATS ${sink.segments} ${sink.spans}\n`);
  });
  process.stdin.on('end', () => {
    sink.close();
    process.exit(0);
  });
});
