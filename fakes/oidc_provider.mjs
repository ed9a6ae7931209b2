// A real OpenID Connect provider on loopback for the sign-in tests: the npm package oidc-provider
// (OpenID Certified, https://github.com/panva/node-oidc-provider/blob/v9.x/docs/README.md), unpatched.
//
//   node fakes/oidc_provider.mjs --port 0 --redirect-uri http://localhost:8000/accounts/oidc/oidc/login/callback/ \
//     [--client-id devopsboard --client-secret ...] [--account 'ada:ada@example.com:Ada Lovelace' ...]
//
// One registered client (a confidential web app that sends its secret in the token request's body), the
// accounts given (`login:email[:name[:unverified]]`: the address is verified unless the fourth part says
// `unverified`), and oidc-provider's development interactions: its own
// login page (any password; the login names the account) and consent page. `--port 0` takes a free port.
// The first line on stdout is `issuer <url>` once it answers; SIGTERM stops it.
import http from "node:http";
import { parseArgs } from "node:util";

import Provider from "oidc-provider";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    "redirect-uri": { type: "string" },
    "client-id": { type: "string", default: "devopsboard" },
    "client-secret": { type: "string", default: "devopsboard-test-secret" },
    account: { type: "string", multiple: true, default: ["ada:ada@example.com:Ada Lovelace"] },
  },
});
if (!values["redirect-uri"]) {
  console.error("--redirect-uri is required: the relying party's callback URL to register.");
  process.exit(2);
}

const accounts = new Map(
  values.account.map((spec) => {
    const [login, email, name = login, verified = "verified"] = spec.split(":");
    const emailVerified = verified !== "unverified";
    return [login, { sub: login, email, email_verified: emailVerified, name, preferred_username: login }];
  }),
);

// The issuer has the port in it, so the socket is bound before the provider is made.
const server = http.createServer();
server.listen(Number(values.port), "127.0.0.1", () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: values["client-id"],
        client_secret: values["client-secret"],
        redirect_uris: [values["redirect-uri"]],
        token_endpoint_auth_method: "client_secret_post",
      },
    ],
    claims: {
      openid: ["sub"],
      email: ["email", "email_verified"],
      profile: ["name", "preferred_username"],
    },
    // An unknown login is no account: the provider answers the sign-in with an error.
    async findAccount(ctx, sub) {
      const claims = accounts.get(sub);
      return claims && { accountId: sub, claims: async () => claims };
    },
    cookies: { keys: ["oidc-provider-test-cookie-key"] },
  });
  server.on("request", provider.callback());
  console.log(`issuer ${issuer}`);
});

process.on("SIGTERM", () => server.close(() => process.exit(0)));
