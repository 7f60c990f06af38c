npx -p @otel-skywalking/collector otel-skywalking-collector   # a local SkyWalking-protocol collector on 11800
