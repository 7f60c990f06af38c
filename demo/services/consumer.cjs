// Demo consumer: takes "order viewed" messages from RabbitMQ, records a shipment in MongoDB (async
// work inside the message's span), and acks.
'use strict';
const amqp = require('amqplib');
const { MongoClient } = require('mongodb');
const log = require('./logger.cjs');

async function main() {
  const mongo = new MongoClient(process.env.MONGODB_URL);
  await mongo.connect();
  const shipments = mongo.db('demo').collection('shipments');
  const connection = await amqp.connect(process.env.AMQP_URL);
  const channel = await connection.createChannel();
  await channel.assertQueue(process.env.AMQP_QUEUE, { durable: false });
  await channel.prefetch(10);
  await channel.consume(process.env.AMQP_QUEUE, async (msg) => {
    if (msg === null) return;
    const { order } = JSON.parse(msg.content.toString());
    await shipments.updateOne({ _id: order }, { $inc: { views: 1 } }, { upsert: true });
    log.info({ order }, 'shipment recorded');
    channel.ack(msg);
  });
  process.stdout.write(JSON.stringify({ ready: 'consumer' }) + '\n');
  process.on('SIGTERM', () => {
    connection.close().catch(() => undefined);
    mongo.close().catch(() => undefined);
  });
}

main().catch((err) => {
  console.error('consumer failed to start:', err);
  process.exit(1);
});
