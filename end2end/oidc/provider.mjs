// A real OpenID Connect provider (npm oidc-provider, OpenID-certified) for login tests.
// Usage: node end2end/oidc/provider.mjs <port> <redirect_uri>[,<redirect_uri>...]
// Accounts: any login works; the login is the account id and its email. Logins starting with
// "unverified" get email_verified=false, to test that unverified emails are refused.
// OIDC_CLIENT_SECRET sets the client's secret; OIDC_ID_TOKEN_ALG registers the client with that
// id_token_signed_response_alg (and enables it), for example HS256: ID tokens MACed with the
// client secret, which the relying party must refuse.
import Provider from 'oidc-provider';

const port = Number(process.argv[2]);
const redirectUris = (process.argv[3] || '').split(',').filter(Boolean);
if (!port || redirectUris.length === 0) {
  console.error('usage: provider.mjs <port> <redirect_uri>[,...]');
  process.exit(2);
}

const idTokenAlg = process.env.OIDC_ID_TOKEN_ALG;
const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'rehearse',
      client_secret: process.env.OIDC_CLIENT_SECRET || 'rehearse-test-secret',
      redirect_uris: redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      ...(idTokenAlg ? { id_token_signed_response_alg: idTokenAlg } : {}),
    },
  ],
  ...(idTokenAlg
    ? { enabledJWA: { idTokenSigningAlgValues: [...new Set(['RS256', idTokenAlg])] } }
    : {}),
  pkce: { required: () => true },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  cookies: { keys: ['rehearse-test-cookie-key'] },
  features: { devInteractions: { enabled: true } },
  async findAccount(_ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {
          sub: `sub-${id}`,
          email: id.includes('@') ? id : undefined,
          email_verified: !id.startsWith('unverified'),
          name: id.split('@')[0],
        };
      },
    };
  },
});

// Tests speak plain HTTP on loopback.
provider.proxy = false;
const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider ready at ${issuer}`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
