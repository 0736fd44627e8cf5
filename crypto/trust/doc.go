// Package trust owns a province's trust list: which issuing agencies
// (Sở Y tế, Sở GD&ĐT, BHXH, Sở Tư pháp, Công an ...) may sign records, with
// which keys, and when. The list is signed by the province's root key;
// wallets and counters hold the root public key, verify the list with it
// (Verify) and then judge every credential's issuer key with List.Key at
// the credential's issue time.
//
// # Format
//
// A signed list is a compact JWS (package keys: header exactly alg, typ
// "trustlist+jwt" and kid = the root key's thumbprint) over this JSON
// payload; times are Unix seconds:
//
//	{
//	  "province": "vn.dongnai",
//	  "version": 7,
//	  "iat": 1767225600,
//	  "next_update": 1767830400,
//	  "issuers": [
//	    {"id": "vn.dongnai.soyte",
//	     "name": {"vi": "Sở Y tế Đồng Nai", "en": "Dong Nai Department of Health"},
//	     "keys": [
//	       {"jwk": {"kty":"EC","crv":"P-256","x":"…","y":"…"}, "nbf": 1735689600, "exp": 1798761600},
//	       {"jwk": {"kty":"OKP","crv":"Ed25519","x":"…"}, "nbf": 1767225600}
//	     ]}
//	  ],
//	  "offices": [
//	    {"id": "vn.dongnai.ubnd.tran-bien",
//	     "name": {"vi": "UBND phường Trấn Biên", "en": "Tran Bien Ward People's Committee"},
//	     "kind": "commune"}
//	  ]
//	}
//
// "exp" of a key is optional (no end). A key's kid is its RFC 7638
// thumbprint, the kid its JWS headers carry.
//
// # Offices
//
// "offices" (optional; absent from older lists, which verify as before)
// is the province's directory of recipients: commune People's
// Committees (UBND xã/phường), commune police, schools, the employment
// service centre, employers ... that receive citizens' data but issue
// nothing. Each has an id (the audience of a consent shared with it), a
// name and a kind from a fixed vocabulary (KindCommune ...); a wallet
// offers the offices of the kinds a procedure names
// (List.OfficesOfKind) and a counter titles itself with List.Name,
// never with the raw id. An office may share its id with an issuer (a
// hospital both issues and receives).
//
// # Guarantees
//
//   - Verify accepts only a list signed by the given root key under the
//     keys package's header policy, decoded strictly: no unknown or
//     duplicate JSON members, every JWK through keys.ParsePublicJWK
//     (public, P-256 or Ed25519, on the curve), and every rule of
//     List.Validate (unique issuer ids, one key never listed for two
//     issuers, sane windows, size limits, offices with unique ids, a
//     Vietnamese name and a known kind).
//   - List.Key distinguishes ErrUnknownIssuer, ErrUnknownKey (also for a
//     kid listed under another issuer) and ErrKeyNotValidAt.
//   - Verify never judges freshness: a counter offline keeps using its
//     cached list. Stale tells when NextUpdate has passed, and
//     CheckSuccessor refuses replacing a held list with an older version
//     or another province's (ErrRollback).
//
// # Key validity and leaked keys
//
// Credentials are judged by their issue time, so a record signed in 2026
// still verifies in 2030 if the list still holds its (retired) key. The
// issue time is written by the signer, so a leaked key can sign
// "back-dated" credentials: the response to a leak is a new list version
// without that key (or with its NotAfter moved before the leak).
//
// # Storing a list
//
// Keep the signed string, not a List: a List has no serialization of its
// own, so whoever loads a cached list runs Verify again and cannot be fed
// an unsigned one.
//
// This package imports only crypto/keys of the wallet's own packages.
package trust
