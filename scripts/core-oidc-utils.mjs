// Stand-in for @actions/core's lib/oidc-utils.js in the bundle (see scripts/bundle.mjs): the same static method,
// loading the real client (and @actions/http-client with it) only when a workflow's ID token is asked for.
export class OidcClient {
  static async getIDToken(audience) {
    const { OidcClient: real } = await import('@actions/core/lib/oidc-utils.js');
    return real.getIDToken(audience);
  }
}
