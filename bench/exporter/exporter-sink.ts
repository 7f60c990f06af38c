// A collector that accepts and discards (SkyWalking collect / ManagementService and OTLP trace
// export), run in its own process by the exporter benchmarks so that its event loop is not shared
// with the load generator, as a real OAP's would not be. Prints `READY <address>`; answers `stats`
// on stdin with `STATS <messages> <bytes>`.
import * as readline from 'node:readline';
import { startSink } from './exporter-load';

void startSink().then((sink) => {
  process.stdout.write(`READY ${sink.address}\n`);
  readline.createInterface({ input: process.stdin }).on('line', (line) => {
    if (line === 'stats') process.stdout.write(`STATS ${sink.messages} ${sink.bytes}\n`);
  });
  process.stdin.on('end', () => {
    sink.close();
    process.exit(0);
  });
});
