SW_AGENT_NAME=orders SW_AGENT_COLLECTOR_BACKEND_SERVICES=oap:11800 \
  node --require @otel-skywalking/node/register app.js
