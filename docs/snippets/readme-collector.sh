npx -p @otel-skywalking/collector otel-skywalking-collector   # gRPC :11800, web view and JSON on :12800
