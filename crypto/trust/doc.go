// Package trust owns a province's trust list: which issuing agencies
// (Sở Y tế, Sở GD&ĐT, BHXH, Sở Tư pháp, Công an ...) may sign records, with
// which keys, and when. The list is signed by the province's root key;
// wallets and counters hold the root public key, verify the list with it
// (Verify) and then judge every credential's issuer key with List.Key at
// the credential's issue time (refusing, at any time, a key marked
// compromised).
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
//	     "iss": "https://dulieu.dongnai.gov.vn/issuers/vn.dongnai.soyte",
//	     "name": {"vi": "Sở Y tế Đồng Nai", "en": "Dong Nai Department of Health"},
//	     "status_lists": "https://dulieu.dongnai.gov.vn/status/v1/vn.dongnai.soyte/",
//	     "keys": [
//	       {"jwk": {"kty":"EC","crv":"P-256","x":"…","y":"…"}, "nbf": 1735689600, "exp": 1798761600},
//	       {"jwk": {"kty":"EC","crv":"P-256","x":"…","y":"…"}, "nbf": 1735689600, "exp": 1769904000, "compromised": 1769904000},
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
// "exp" of a key is optional (no end). "compromised" (optional) marks a
// key whose private half leaked, with the time the province learnt of it
// (Unix seconds): see "Key validity and leaked keys". A list without it
// reads as before. A key's kid is its RFC 7638 thumbprint, the kid its
// JWS headers carry.
//
// "status_lists" of an issuer (optional) is the https URI prefix, ending
// in "/", of the Token Status Lists (crypto/statuslist) it publishes: see
// "Status lists".
//
// "iss" of an issuer (optional) is its https identifier (SD-JWT VC): the
// iss its credentials carry; an issuer without one signs with its id.
// List.Issuer and List.Key find an issuer by either, and no identifier
// may be another issuer's id or identifier (CheckIssuerURL,
// issuerurl.go). Its JWT VC Issuer Metadata, served by the province's
// warehouse at MetadataURL(iss), carries the same keys for verifiers
// that do not hold this list.
//
// # Status lists
//
// An issuer's credentials carry status.status_list {idx, uri}, and the
// list at uri says whether the credential was withdrawn. Two rules keep
// a list from speaking for the wrong agency:
//
//   - a list at a URI under an issuer's status_lists prefix is signed by
//     a key of that issuer, valid at the list's iat and not compromised
//     (List.StatusListKey); no other key, not even another issuer's or a
//     revocation key, may sign it. Prefixes of two issuers never overlap;
//   - a credential names only a list under its own issuer's prefix
//     (List.CheckStatusURI, ErrStatusURI): a withdrawn BHYT card
//     pointing at another agency's list, where its index may be VALID,
//     is refused, not "revived".
//
// A URI is under a prefix when it starts with it and the rest is one or
// more path characters (A-Z a-z 0-9 - _ . ~ /) with no empty, "." or ".."
// segment: no query, fragment or escape that a client or server could
// normalise out from under the prefix.
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
//     kid listed under another issuer), ErrKeyCompromised (at any time)
//     and ErrKeyNotValidAt.
//   - Verify never judges freshness: a counter offline keeps using its
//     cached list. Stale tells when NextUpdate has passed, and
//     CheckSuccessor refuses replacing a held list with an older version
//     or another province's (ErrRollback).
//
// # Key validity and leaked keys
//
// A key ends in one of two ways, and the list says which:
//
//   - Rotated: the key gets an "exp" (NotAfter) and a successor. What it
//     signed with an issue time before the end keeps verifying, so a
//     credential does not die with the key that signed it; a signature
//     dated at or after the end is refused (ErrKeyNotValidAt).
//   - Compromised: the key also carries "compromised". Its private half
//     may be in someone else's hands, and the issue time of a credential
//     is written by whoever signs it: a thief can back-date. So nothing
//     the key signed verifies, whatever iat says: List.Key answers
//     ErrKeyCompromised for every time, and so does RevocationKey for a
//     compromised revocation key. The key stays listed (rather than
//     removed) so verifiers give that precise answer, not "unknown key",
//     and a wallet can tell which of its credentials to have re-issued
//     (List.Compromised).
//
// The warehouse's response to a leak is therefore: mark the key
// compromised in a new list version, rotate the agency to a fresh key,
// and re-issue every credential the old key signed (the wallets pick the
// new ones up at their next sync). Credentials carry iat = the time they
// were signed (not the record's own date), and a technical exp, so a
// re-issue is an ordinary event, not a special one.
//
// A counter offline only learns of a compromise from a newer list: until
// it fetches one, it accepts what the leaked key signed. Stale tells it
// when its list is past the next update.
//
// # Storing a list
//
// Keep the signed string, not a List: a List has no serialization of its
// own, so whoever loads a cached list runs Verify again and cannot be fed
// an unsigned one.
//
// This package imports only crypto/keys of the wallet's own packages.
package trust
