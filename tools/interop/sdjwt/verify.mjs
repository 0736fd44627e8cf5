// verify.mjs: checks SD-JWT presentations with an SD-JWT implementation
// independent of the wallet's, the OpenWallet Foundation's @sd-jwt/core
// (pinned in package.json / package-lock.json). The Go tests run it:
//
//	node verify.mjs < request.json > result.json
//
// request: {"issuers": {"<kid>": <public JWK>, ...}, "audience": "...",
//           "nonce": "...", "now": <unix seconds>,
//           "presentations": ["<SD-JWT+KB>", ...]}
// result:  one entry per presentation, in order:
//          {"ok": true, "claims": {...}, "kb": {...}} or
//          {"ok": false, "error": "..."}
//
// The issuer key is found by the issuer JWT's kid; the key binding is
// checked with the credential's cnf.jwk, and its nonce and aud against
// the request (the library checks the nonce; aud is checked here).
import { SDJwtInstance } from '@sd-jwt/core';
import { digest } from '@sd-jwt/crypto-nodejs';
import { createPublicKey, verify } from 'node:crypto';

function verifyWith(jwk, header, data, signature) {
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  const sig = Buffer.from(signature, 'base64url');
  switch (header.alg) {
    case 'ES256':
      return verify('sha256', Buffer.from(data), { key, dsaEncoding: 'ieee-p1363' }, sig);
    case 'EdDSA':
    case 'Ed25519':
      return verify(null, Buffer.from(data), key, sig);
    default:
      throw new Error(`unsupported alg ${header.alg}`);
  }
}

function headerOf(data) {
  return JSON.parse(Buffer.from(data.split('.')[0], 'base64url').toString('utf8'));
}

const input = JSON.parse(await new Promise((resolve, reject) => {
  let s = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (c) => { s += c; });
  process.stdin.on('end', () => resolve(s));
  process.stdin.on('error', reject);
}));

const sd = new SDJwtInstance({
  hasher: digest,
  hashAlg: 'sha-256',
  verifier: async (data, signature) => {
    const h = headerOf(data);
    const jwk = input.issuers[h.kid];
    if (!jwk) throw new Error(`no issuer key with kid ${h.kid}`);
    return verifyWith(jwk, h, data, signature);
  },
  kbVerifier: async (data, signature, payload) => {
    if (!payload.cnf || !payload.cnf.jwk) throw new Error('credential has no cnf.jwk');
    return verifyWith(payload.cnf.jwk, headerOf(data), data, signature);
  },
});

const out = [];
for (const p of input.presentations) {
  try {
    const r = await sd.verify(p, { keyBindingNonce: input.nonce, currentDate: input.now });
    const kb = r.kb ? r.kb.payload : null;
    if (!kb) throw new Error('no key binding in the result');
    if (kb.aud !== input.audience) throw new Error(`key binding for ${kb.aud}, not ${input.audience}`);
    out.push({ ok: true, claims: r.payload, kb });
  } catch (e) {
    out.push({ ok: false, error: String(e && e.message ? e.message : e) });
  }
}
process.stdout.write(JSON.stringify(out));
