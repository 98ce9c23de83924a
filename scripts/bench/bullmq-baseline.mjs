// The baseline a Node user would build instead: one BullMQ job per row, added with addBulk,
// validated by the same JSON Schema in a worker process.
//   node bullmq-baseline.mjs produce <csv> <queue> <redisUrl>
//   node bullmq-baseline.mjs work <schema.json> <queue> <redisUrl> <rows> <concurrency>
import { createReadStream, readFileSync } from 'node:fs';
import { parse } from 'csv-parse';
import { Queue, Worker } from 'bullmq';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';

const [mode, file, queueName, redisUrl, rowsArg, concurrencyArg] = process.argv.slice(2);
const url = new URL(redisUrl);
const connection = { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null };

if (mode === 'produce') {
  const queue = new Queue(queueName, { connection });
  let batch = [];
  let columns = null;
  for await (const record of createReadStream(file).pipe(parse({ bom: true, relax_column_count: true }))) {
    if (!columns) {
      columns = record;
      continue;
    }
    const data = {};
    columns.forEach((c, i) => {
      if (record[i] !== '' && record[i] !== undefined) data[c] = record[i];
    });
    batch.push({ name: 'row', data });
    if (batch.length === 1000) {
      await queue.addBulk(batch);
      batch = [];
    }
  }
  if (batch.length) await queue.addBulk(batch);
  await queue.close();
} else {
  const schema = JSON.parse(readFileSync(file, 'utf8'));
  const ajv = new (Ajv.default ?? Ajv)({ allErrors: true, coerceTypes: true, strict: false });
  (addFormats.default ?? addFormats)(ajv);
  ajv.addKeyword({ keyword: 'unique', schemaType: 'boolean' });
  const validate = ajv.compile(schema);
  const target = Number(rowsArg);
  let done = 0;
  const worker = new Worker(
    queueName,
    async (job) => {
      if (!validate(job.data)) throw new Error(JSON.stringify(validate.errors));
      return true;
    },
    { connection, concurrency: Number(concurrencyArg || 50), autorun: true },
  );
  const finish = () => {
    done++;
    if (done === target) worker.close().then(() => process.exit(0));
  };
  worker.on('completed', finish);
  worker.on('failed', finish);
}
