npm install --save-dev @otel-skywalking/collector
npx otel-skywalking-collector   # now found in node_modules/.bin
