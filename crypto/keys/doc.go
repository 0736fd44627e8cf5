// Package keys owns the wallet's signing keys (device keys, issuing
// agencies' keys, the province's root key) and the one compact JWS/JWT
// format everything else signs with: SD-JWT credentials (package sdjwt),
// their key-binding JWTs, the trust list (package trust) and
// device-signed sync requests.
//
// # Keys
//
// Two algorithms, each tied to one key type:
//
//	ES256   ECDSA P-256 + SHA-256, signature = r || s, 64 bytes   JWK kty "EC",  crv "P-256"
//	EdDSA   Ed25519, 64-byte signature                            JWK kty "OKP", crv "Ed25519"
//
// A key's id (kid) is always its RFC 7638 JWK thumbprint: base64url
// (no padding) of SHA-256 over {"crv":..,"kty":..,"x":..[,"y":..]} with
// no white space, 43 characters. Public keys marshal as the minimal JWK
// (kty, crv, x[, y]); private keys add "d" (the P-256 scalar or the
// Ed25519 seed, 32 bytes). A marshalled private key is a secret: the
// wallet stores it sealed by the vault, the server in its key store.
//
// A key whose private half must never be in memory (the province's and
// the agencies' keys, in an HSM) is wrapped with NewSigner around a
// crypto.Signer: it signs and has a kid like any other key, but its
// MarshalJSON fails with ErrNotExportable. jwx asks an ES256 signer for
// the usual ASN.1 DER signature and writes the JWS's r || s.
//
// ParsePublicJWK is strict because JWKs arrive from outside (the cnf of a
// credential, trust lists): it accepts only the members above plus an
// optional "alg" that must be the curve's and an optional "kid" that must
// be the thumbprint; it rejects private members (ErrPrivateMember), other
// members (ErrKeyMember), other key types and curves (ErrUnsupportedKey),
// coordinates of the wrong length and points not on the curve.
//
// # JWS format and header policy
//
// Only the compact serialization, BASE64URL(header) "." BASE64URL(payload)
// "." BASE64URL(signature), with unpadded, canonical base64url. Sign
// writes a protected header with exactly three members:
//
//	{"alg":"ES256"|"EdDSA","kid":"<thumbprint>","typ":"<caller's typ>"}
//
// ParseUnverified, Verify and VerifyJWT enforce, before any signature
// work and each with its own sentinel wrapping ErrBadJWS:
//
//   - size: at most MaxJWSSize (64 KiB) bytes, checked before decoding;
//   - form: exactly 3 non-empty parts of the base64url alphabet (so no
//     padding, white space or JSON serialization), canonical encodings, a
//     64-byte signature, and a header that is one JSON object in valid
//     UTF-8 with unique member names (CheckJSON);
//   - alg: exactly ES256 or EdDSA (so never "none", HS256 keyed with a
//     public key, RS* or PS*), and the same alg as the key the caller
//     looked up (ErrAlgMismatch);
//   - typ: byte-for-byte equal to the typ the caller expects (no
//     case-folding, no "application/" prefix), so one kind of token can
//     never be accepted as another;
//   - kid: present, 1 to 128 printable ASCII bytes, no space;
//   - no embedded or referenced keys (jwk, jku, x5u, x5c, x5t, x5t#S256):
//     the key comes only from the caller's lookup;
//   - no crit (we implement no extension) and no b64 (RFC 7797);
//   - no other header member at all. We sign only alg, typ and kid, and a
//     member we do not understand cannot be shown to be harmless, so
//     unknown members are refused (ErrUnknownHeader) rather than ignored.
//
// Only then is the signature checked, by jwx (jws.VerifyCompactFast)
// with the single key the caller's lookup returned and the alg from the
// policy, over the exact bytes received.
//
// # JSON
//
// encoding/json keeps the last of two members with the same name and
// replaces invalid UTF-8, so two readers of the same signed bytes can see
// different claims. CheckJSON rejects both, numbers beyond float64's
// range and nesting deeper than MaxJSONDepth; every signed JSON document
// read here and in sdjwt and trust passes it first.
//
// # What the signature does not give
//
// ECDSA signatures are malleable: from one valid signature anyone can make
// a second valid one over the same payload. Never use a compact JWS
// string (or its hash) as a unique id for replay detection; use an id
// inside the signed payload (jti).
package keys
