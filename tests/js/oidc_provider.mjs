// A real OpenID Connect provider (the npm package oidc-provider) for the single
// sign-on tests (tests/accounts/test_oidc*.py), on 127.0.0.1 only.
//
//   node tests/js/oidc_provider.mjs '<json>'
//
// The JSON gives the port, one client (client_id, client_secret, redirect_uris,
// post_logout_redirect_uris) and the users: {"<subject>": {"email": ..., "email_verified": true}}.
// Its development log-in page takes any subject as "login" (any password); the
// consent step is granted by itself. Prints "ready <issuer>" once it listens.
import Provider from 'oidc-provider';

const config = JSON.parse(process.argv[2]);
const issuer = `http://127.0.0.1:${config.port}`;
const users = config.users;

const provider = new Provider(issuer, {
  clients: [{
    client_id: config.client_id,
    client_secret: config.client_secret,
    redirect_uris: config.redirect_uris,
    post_logout_redirect_uris: config.post_logout_redirect_uris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
    id_token_signed_response_alg: 'RS256',
  }],
  pkce: { required: () => true },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  cookies: { keys: ['sorplan-test-only'] },
  async findAccount(ctx, id) {
    if (!users[id]) {
      // An identity the provider knows but sorplan does not: claims made up here.
      return { accountId: id, claims: async () => ({ sub: id, email: `${id}@ukendt.example`, email_verified: true }) };
    }
    return { accountId: id, claims: async () => ({ sub: id, ...users[id] }) };
  },
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    grant.addOIDCClaims(['email', 'email_verified', 'name']);
    await grant.save();
    return grant;
  },
});
provider.proxy = false;

const server = provider.listen(config.port, '127.0.0.1', () => {
  process.stdout.write(`ready ${issuer}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
