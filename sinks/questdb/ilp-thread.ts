/**
 * The QuestDB sink's worker thread (`encodeIn: 'worker'`, worker-transport.ts): it takes one request's
 * rows in columns (columnar.ts), encodes them with the ILP client and sends them as one HTTP request,
 * then says whether QuestDB acknowledged them. It keeps no rows: the sink's thread keeps every row
 * until it hears `acknowledged`, and sends them again after anything else (a failure, this thread's
 * exit). Requests of different tables may be in flight at once (one Sender per table).
 *
 * The ILP client's log lines are posted to the sink's thread, which writes them to its logger; lines
 * below the logger's level are not posted.
 */
import http from 'node:http';
import https from 'node:https';
import { parentPort, workerData } from 'node:worker_threads';
import { encodeColumnar } from './columnar.ts';
import {
  CLIENT_LOG_LEVEL,
  serializeError,
  type IlpThreadInit,
  type IlpThreadMessage,
  type IlpThreadRequest,
} from './ilp-messages.ts';
import { IlpSenders } from './ilp-senders.ts';

const port = parentPort;
if (port === null) throw new Error('sinks/questdb/ilp-thread.ts runs as a worker thread only');
const init = workerData as IlpThreadInit;
const post = (message: IlpThreadMessage): void => port.postMessage(message);

const agent =
  init.protocol === 'https' ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });

try {
  const senders = await IlpSenders.create(init.config, agent, (clientLevel, message) => {
    const { level, value } = CLIENT_LOG_LEVEL[clientLevel];
    if (value >= init.levelValue) post({ kind: 'log', level, source: '@questdb/nodejs-client', message });
  });
  port.on('message', (request: IlpThreadRequest) => {
    const { id, batch } = request;
    senders
      .send(batch.physical, batch.name, (sender) => encodeColumnar(sender, batch))
      .then(
        () => post({ kind: 'acknowledged', id }),
        (e: unknown) => post({ kind: 'failed', id, error: serializeError(e) }),
      );
  });
  post({ kind: 'ready' });
} catch (e: unknown) {
  post({ kind: 'start-failed', error: serializeError(e) });
  agent.destroy();
}
