// Why a host token was refused. The reason is a short, stable phrase a client can show or match
// ("token expired"); the message may add detail ("token expired at 2025-01-01T10:00:00.000Z").
// The admin gate and the prompt routes put both in the 401 problem (`reason` and `detail`).

export type HostTokenReason =
  | 'token is not a JWT'
  | 'alg none is not accepted'
  | 'alg is not accepted'
  | 'signature does not verify'
  | 'no key matches the token'
  | 'token expired'
  | 'token is not valid yet'
  | 'token has no exp'
  | 'token has no sub'
  | 'token issuer is not accepted'
  | 'token audience is not accepted'
  | 'token claims are invalid'
  | 'token roles are invalid';

export class HostTokenError extends Error {
  constructor(
    readonly reason: HostTokenReason,
    detail?: string,
  ) {
    super(detail ? `${reason} (${detail})` : reason);
    this.name = 'HostTokenError';
  }
}

/** A mistake in the host-token settings themselves, found at start-up. */
export class HostTokenConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HostTokenConfigError';
  }
}
