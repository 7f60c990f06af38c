npx -p @otel-skywalking/collector otel-skywalking-collector
