/**
 * Local HTTP servers standing in for Amazon ECR (JSON 1.1 protocol: POST / with
 * `X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.<Operation>`) and for Inspector2's
 * ListCoverage (REST JSON: POST /coverage/list), so tests run the real AWS SDK against the wire
 * shapes: epoch-second timestamps, paging with `nextToken`, pages that are empty and still carry a
 * `nextToken` (Inspector2 does this), throttling (ECR: 400 ThrottlingException; Inspector2: 429).
 * No maintained local emulator of Inspector2 exists on npm, and none of ECR that answers with
 * the image's pull time and Inspector's coverage of the same images, hence this small fake of
 * both, driven by one model of repositories and images. Point an SDK v3 process at it
 * with `AWS_ENDPOINT_URL_ECR` and `AWS_ENDPOINT_URL_INSPECTOR2` (`FakeRegistry.env`).
 */
import * as http from 'http';
import type { AddressInfo } from 'net';

/** One image of the fake registry. */
export interface FakeImage {
  readonly digest: string;
  readonly tags?: string[];
  readonly pushedAt: Date;
  readonly sizeBytes?: number;
  readonly lastPulledAt?: Date;
  /** Inspector's scan status of the image; undefined: Inspector does not list it. */
  readonly coverage?: { readonly statusCode: string; readonly reason: string };
}

/** One repository of the fake registry. */
export interface FakeRepository {
  readonly name: string;
  readonly images: FakeImage[];
  readonly policyText?: string;
  /** Inspector's scan frequency of the repository (`CONTINUOUS_SCAN`, `SCAN_ON_PUSH`, `MANUAL`); undefined: not listed. */
  readonly scanFrequency?: string;
}

/** A request as the fake received it. */
export interface RegistryRequest {
  readonly service: 'ecr' | 'inspector2';
  /** `DescribeImages`, `ListCoverage`, ... */
  readonly operation: string;
  readonly body: any;
}

/** What the fault hook can do: answer with an error status (and code), or delay. */
export interface RegistryFault {
  readonly status?: number;
  readonly errorCode?: string;
  readonly delayMs?: number;
}

/** Options of `FakeRegistry.start`. */
export interface FakeRegistryOptions {
  readonly account?: string;
  readonly region?: string;
  readonly repositories?: FakeRepository[];
  readonly registryPolicyText?: string;
  /** Most items per page, whatever maxResults asks. @default 100 */
  readonly pageSize?: number;
  /** Answer every other page empty, with a nextToken (as Inspector2 does). @default false */
  readonly emptyPages?: boolean;
  /** Called for every request; return a fault to inject. */
  readonly fault?: (request: RegistryRequest) => RegistryFault | undefined;
}

const epoch = (d: Date | undefined) => (d ? d.getTime() / 1000 : undefined);

/** The fake ECR and Inspector2 endpoints. */
export class FakeRegistry {
  static async start(options: FakeRegistryOptions = {}): Promise<FakeRegistry> {
    const fake = new FakeRegistry(options);
    await Promise.all([fake.ecrServer, fake.inspectorServer].map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()))));
    return fake;
  }

  /** Every request received, in order. */
  readonly requests: RegistryRequest[] = [];
  readonly account: string;
  readonly region: string;
  repositories: FakeRepository[];
  private readonly ecrServer = http.createServer((req, res) => void this.handle('ecr', req, res));
  private readonly inspectorServer = http.createServer((req, res) => void this.handle('inspector2', req, res));

  private constructor(private options: FakeRegistryOptions) {
    this.account = options.account ?? '111111111111';
    this.region = options.region ?? 'us-east-1';
    this.repositories = options.repositories ?? [];
  }

  /** Environment variables that point an AWS SDK v3 process at the fakes. */
  env(): Record<string, string> {
    const port = (s: http.Server) => (s.address() as AddressInfo).port;
    return {
      AWS_ENDPOINT_URL_ECR: `http://127.0.0.1:${port(this.ecrServer)}`,
      AWS_ENDPOINT_URL_INSPECTOR2: `http://127.0.0.1:${port(this.inspectorServer)}`,
    };
  }

  /** Replaces the options that shape answers (paging, faults) for the requests to come. */
  configure(options: Partial<FakeRegistryOptions>): void {
    this.options = { ...this.options, ...options };
  }

  /** The requests of one operation. */
  calls(operation: string): RegistryRequest[] {
    return this.requests.filter((r) => r.operation === operation);
  }

  async close(): Promise<void> {
    await Promise.all([this.ecrServer, this.inspectorServer].map((s) => {
      s.closeAllConnections?.();
      return new Promise<void>((resolve) => s.close(() => resolve()));
    }));
  }

  private arn(name: string): string {
    return `arn:aws:ecr:${this.region}:${this.account}:repository/${name}`;
  }

  /** One page of `items` after `token`; every other page is empty with `emptyPages`. */
  private page<T>(items: T[], maxResults: number | undefined, token: string | undefined): { items: T[]; nextToken?: string } {
    const [offsetText, empty] = (token ?? '0').split(':');
    const offset = Number(offsetText);
    if (this.options.emptyPages && empty === 'e') return { items: [], nextToken: String(offset) };
    const size = Math.min(maxResults ?? Infinity, this.options.pageSize ?? 100);
    const slice = items.slice(offset, offset + size);
    const next = offset + size < items.length ? `${offset + size}${this.options.emptyPages ? ':e' : ''}` : undefined;
    return { items: slice, nextToken: next };
  }

  private async handle(service: 'ecr' | 'inspector2', req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    const operation = service === 'ecr'
      ? String(req.headers['x-amz-target'] ?? '').replace(/^AmazonEC2ContainerRegistry_V20150921\./, '')
      : req.url?.startsWith('/coverage/list') ? 'ListCoverage' : `${req.method} ${req.url}`;
    const request = { service, operation, body };
    this.requests.push(request);
    const fault = this.options.fault?.(request);
    if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault?.status) {
      const code = fault.errorCode ?? (fault.status === 429 || service === 'ecr' ? 'ThrottlingException' : 'InternalServerException');
      return this.error(service, res, fault.status, code, 'injected fault');
    }
    try {
      const answer = service === 'ecr' ? this.answerEcr(operation, body) : this.answerInspector(operation, body);
      res.writeHead(200, { 'content-type': service === 'ecr' ? 'application/x-amz-json-1.1' : 'application/json', 'x-amzn-requestid': 'fake' });
      res.end(JSON.stringify(answer));
    } catch (err) {
      const e = err as { code: string; message: string; status?: number };
      this.error(service, res, e.status ?? 400, e.code, e.message);
    }
  }

  private error(service: string, res: http.ServerResponse, status: number, code: string, message: string): void {
    res.writeHead(status, { 'content-type': service === 'ecr' ? 'application/x-amz-json-1.1' : 'application/json', 'x-amzn-errortype': code, 'x-amzn-requestid': 'fake-error' });
    res.end(JSON.stringify(service === 'ecr' ? { __type: code, message } : { message }));
  }

  private repository(name: string): FakeRepository {
    const repo = this.repositories.find((r) => r.name === name);
    if (!repo) {
      throw { code: 'RepositoryNotFoundException', message: `The repository with name '${name}' does not exist in the registry with id '${this.account}'` };
    }
    return repo;
  }

  private answerEcr(operation: string, body: any): unknown {
    const repoJson = (r: FakeRepository) => ({
      repositoryArn: this.arn(r.name), registryId: this.account, repositoryName: r.name,
      repositoryUri: `${this.account}.dkr.ecr.${this.region}.amazonaws.com/${r.name}`, createdAt: 1700000000,
      imageTagMutability: 'IMMUTABLE', imageScanningConfiguration: { scanOnPush: false }, encryptionConfiguration: { encryptionType: 'AES256' },
    });
    const imageJson = (r: FakeRepository, i: FakeImage) => ({
      registryId: this.account, repositoryName: r.name, imageDigest: i.digest, imageTags: i.tags, imageSizeInBytes: i.sizeBytes,
      imagePushedAt: epoch(i.pushedAt), lastRecordedPullTime: epoch(i.lastPulledAt),
      imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json', artifactMediaType: 'application/vnd.oci.image.config.v1+json',
    });
    switch (operation) {
      case 'DescribeRepositories': {
        if (body.repositoryNames) return { repositories: body.repositoryNames.map((n: string) => repoJson(this.repository(n))) };
        const page = this.page(this.repositories, body.maxResults, body.nextToken);
        return { repositories: page.items.map(repoJson), nextToken: page.nextToken };
      }
      case 'DescribeImages': {
        const repo = this.repository(body.repositoryName);
        if (body.imageIds) {
          return {
            imageDetails: body.imageIds.map((id: { imageDigest: string }) => {
              const image = repo.images.find((i) => i.digest === id.imageDigest);
              if (!image) throw { code: 'ImageNotFoundException', message: `The image with imageId {imageDigest:'${id.imageDigest}'} does not exist` };
              return imageJson(repo, image);
            }),
          };
        }
        const page = this.page(repo.images, body.maxResults, body.nextToken);
        return { imageDetails: page.items.map((i) => imageJson(repo, i)), nextToken: page.nextToken };
      }
      case 'GetRepositoryPolicy': {
        const repo = this.repository(body.repositoryName);
        if (!repo.policyText) throw { code: 'RepositoryPolicyNotFoundException', message: 'Repository policy does not exist' };
        return { registryId: this.account, repositoryName: repo.name, policyText: repo.policyText };
      }
      case 'GetRegistryPolicy':
        if (!this.options.registryPolicyText) throw { code: 'RegistryPolicyNotFoundException', message: 'Registry policy does not exist' };
        return { registryId: this.account, policyText: this.options.registryPolicyText };
      default:
        throw { code: 'UnknownOperationException', message: `the fake does not know ${operation}` };
    }
  }

  private answerInspector(operation: string, body: any): unknown {
    if (operation !== 'ListCoverage') throw { code: 'ResourceNotFoundException', message: `the fake only knows ListCoverage, not ${operation}`, status: 404 };
    for (const [key, filter] of Object.entries(body.filterCriteria ?? {})) {
      // As the API reference says: "Array Members: Minimum number of 1 item. Maximum number of 10 items."
      if (!Array.isArray(filter) || filter.length < 1 || filter.length > 10) {
        throw { code: 'ValidationException', message: `filterCriteria.${key}: 1 to 10 items`, status: 400 };
      }
    }
    const values = (filter: Array<{ comparison: string; value: string }> | undefined) => filter?.map((f) => f.value);
    const types = values(body.filterCriteria?.resourceType);
    const names = values(body.filterCriteria?.ecrRepositoryName);
    const all: unknown[] = [];
    for (const repo of this.repositories) {
      if (names && !names.includes(repo.name)) continue;
      if (repo.scanFrequency && (!types || types.includes('AWS_ECR_REPOSITORY'))) {
        all.push({
          resourceType: 'AWS_ECR_REPOSITORY', resourceId: this.arn(repo.name), accountId: this.account, scanType: 'PACKAGE',
          scanStatus: { statusCode: 'ACTIVE', reason: 'SUCCESSFUL' },
          resourceMetadata: { ecrRepository: { name: repo.name, scanFrequency: repo.scanFrequency } },
        });
      }
      if (types && !types.includes('AWS_ECR_CONTAINER_IMAGE')) continue;
      for (const image of repo.images) {
        if (!image.coverage) continue;
        all.push({
          resourceType: 'AWS_ECR_CONTAINER_IMAGE', resourceId: `${this.arn(repo.name)}/${image.digest}`, accountId: this.account, scanType: 'PACKAGE',
          scanStatus: image.coverage,
          resourceMetadata: {
            ecrImage: { tags: image.tags, imagePulledAt: epoch(image.lastPulledAt), inUseCount: 0 },
            ecrRepository: { name: repo.name, scanFrequency: repo.scanFrequency ?? 'CONTINUOUS_SCAN' },
          },
          lastScannedAt: image.coverage.statusCode === 'ACTIVE' ? epoch(image.pushedAt) : undefined,
        });
      }
    }
    const page = this.page(all, body.maxResults, body.nextToken);
    return { coveredResources: page.items, nextToken: page.nextToken };
  }
}

/** A digest made from a number, as ECR shows them (`sha256:` and 64 hex digits). */
export function digestOf(n: number): string {
  return `sha256:${n.toString(16).padStart(64, '0')}`;
}
