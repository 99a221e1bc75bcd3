/**
 * Email through Amazon SES v2 (`SendEmailCommand` of @aws-sdk/client-sesv2): a simple message with a
 * subject, a text body and an HTML body built from the alerts (email-content.ts). The endpoint is
 * configurable, so tests and local runs point it at aws-ses-v2-local.
 *
 * The SDK's own retries are off (maxAttempts 1): the dispatcher's delivery retries with its backoff
 * and its clock, and keeps what is not accepted for later. Classification: throttling (TooManyRequestsException,
 * LimitExceededException, HTTP 429), server faults (5xx) and network errors are retriable; everything
 * SES refuses for a reason retrying cannot fix (MessageRejected, MailFromDomainNotVerifiedException,
 * AccountSuspendedException, SendingPausedException, BadRequestException, NotFoundException, other
 * 4xx, missing credentials) is permanent.
 */
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { emailContent } from './email-content.ts';
import { secretScrubber, type SecretScrubber } from './secrets.ts';
import {
  accepted,
  permanent,
  retriable,
  type DeliveryResult,
  type Notification,
  type Notifier,
} from './types.ts';

/** SES error names that mean "not now": retried. */
const RETRIABLE_ERRORS = new Set([
  'TooManyRequestsException',
  'LimitExceededException',
  'InternalServiceErrorException',
  'ThrottlingException',
  'Throttling',
  'RequestTimeout',
  'TimeoutError',
]);

export interface EmailCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface EmailNotifierOptions {
  /** The notifier's name. Default `email`. */
  readonly name?: string;
  /** The sender: an address or domain verified in SES. */
  readonly from: string;
  /** The recipients. At least one. */
  readonly to: readonly string[];
  /** AWS region of the SES account. Default `us-east-1`. */
  readonly region?: string;
  /** Another endpoint than the region's (aws-ses-v2-local, a VPC endpoint). A secret. Default none. */
  readonly endpoint?: string;
  /** Credentials (secrets). Default: the AWS SDK's default provider chain. */
  readonly credentials?: EmailCredentials;
  /** Put before every subject. Default `[tradewatch]`. */
  readonly subjectPrefix?: string;
  /** SES configuration set (event publishing, dedicated IPs). Default none. */
  readonly configurationSetName?: string;
  /** Deadline of one request, in ms. Default 10 000. */
  readonly timeoutMs?: number;
}

export class EmailNotifier implements Notifier {
  readonly name: string;
  readonly kind = 'email' as const;
  readonly #client: SESv2Client;
  readonly #from: string;
  readonly #to: readonly string[];
  readonly #subjectPrefix: string;
  readonly #configurationSetName: string | undefined;
  readonly #scrub: SecretScrubber;
  #closed = false;

  constructor(options: EmailNotifierOptions) {
    this.name = options.name ?? 'email';
    if (options.to.length === 0) throw new RangeError(`email notifier ${this.name}: no recipient`);
    const timeoutMs = options.timeoutMs ?? 10_000;
    this.#client = new SESv2Client({
      region: options.region ?? 'us-east-1',
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      ...(options.credentials === undefined ? {} : { credentials: { ...options.credentials } }),
      maxAttempts: 1,
      requestHandler: { requestTimeout: timeoutMs, connectionTimeout: timeoutMs },
    });
    this.#from = options.from;
    this.#to = [...options.to];
    this.#subjectPrefix = options.subjectPrefix ?? '[tradewatch]';
    this.#configurationSetName = options.configurationSetName;
    this.#scrub = secretScrubber(
      [
        options.endpoint,
        options.credentials?.accessKeyId,
        options.credentials?.secretAccessKey,
        options.credentials?.sessionToken,
      ].filter((s): s is string => s !== undefined),
    );
  }

  destinationOf(): string {
    return this.name;
  }

  async send(notification: Notification): Promise<DeliveryResult> {
    const content = emailContent(notification, this.#subjectPrefix);
    try {
      await this.#client.send(
        new SendEmailCommand({
          FromEmailAddress: this.#from,
          Destination: { ToAddresses: [...this.#to] },
          Content: {
            Simple: {
              Subject: { Data: content.subject, Charset: 'UTF-8' },
              Body: {
                Text: { Data: content.text, Charset: 'UTF-8' },
                Html: { Data: content.html, Charset: 'UTF-8' },
              },
            },
          },
          ...(this.#configurationSetName === undefined
            ? {}
            : { ConfigurationSetName: this.#configurationSetName }),
        }),
      );
      return accepted;
    } catch (error: unknown) {
      return this.#classify(error);
    }
  }

  #classify(error: unknown): DeliveryResult {
    const e = (typeof error === 'object' && error !== null ? error : {}) as {
      name?: unknown;
      message?: unknown;
      code?: unknown;
      $fault?: unknown;
      $metadata?: { httpStatusCode?: unknown };
    };
    const name = typeof e.name === 'string' ? e.name : 'Error';
    const message = typeof e.message === 'string' ? e.message : String(error);
    const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
    const said = this.#scrub(
      `${status === undefined ? '' : `HTTP ${status} `}${name}: ${message}`.slice(0, 400),
    );
    if (status === undefined && name !== 'CredentialsProviderError') {
      // No answer from SES: a refused connection, a reset, a timeout.
      return retriable(`SES did not answer: ${said}`);
    }
    if (
      RETRIABLE_ERRORS.has(name) ||
      status === 429 ||
      (status !== undefined && status >= 500) ||
      e.$fault === 'server'
    ) {
      return retriable(`SES failed: ${said}`);
    }
    return permanent(`SES refused the email: ${said}`);
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#client.destroy();
    }
    return Promise.resolve();
  }
}
