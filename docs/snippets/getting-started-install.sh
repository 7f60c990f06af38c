npm install @otel-skywalking/node
