// Package statuslist implements the IETF Token Status List
// (draft-ietf-oauth-status-list, the editors' copy of 20 April 2026:
// github.com/oauth-wg/draft-ietf-oauth-status-list at 2fb61cd) for JWTs:
// how an agency says that a credential it issued is withdrawn (a
// cancelled health-insurance card, a revoked licence), in a form an
// offline counter can cache and check without asking anyone which
// credential it is looking at.
//
// # The idea
//
// Each credential carries a status claim naming a list and its own index
// in it:
//
//	"status": {"status_list": {"idx": 4217, "uri": "https://kho.dongnai.gov.vn/status/bhxh/1"}}
//
// The issuer publishes, at that URI, one signed token holding a status
// for every credential on the list: 1 bit each for VALID (0) / INVALID (1),
// 2 bits to add SUSPENDED (2). Withdrawing a credential flips its entry.
// A verifier fetches the whole list, so the issuer never learns which
// credential was checked (herd privacy), and a verifier with a cached list
// answers offline.
//
// # The byte array (List)
//
// Entry i takes Bits bits (1, 2, 4 or 8) starting at bit (i*Bits)%8 of
// byte (i*Bits)/8, counted from the least significant bit:
//
//	bits=1, statuses 1 0 0 1 1 1 0 1 | 1 1 0 0 0 1 0 1   (index 0 first)
//	byte 0 = 0b10111001 = 0xB9, byte 1 = 0b10100011 = 0xA3
//
// # The status_list object
//
//	{"bits":1,"lst":"eNrbuRgAAhcBXQ"}
//
// lst is the byte array compressed as one ZLIB stream (RFC 1950: a 2-byte
// header, DEFLATE data (RFC 1951), an Adler-32 checksum), then base64url
// without padding. Mostly-zero lists compress well: 100 million one-bit
// entries are 12.5 MB raw and about 0.2 MB with 0.1 % withdrawn, 1.3 MB
// with 1 % (docs/benchmarks.md).
//
// # The Status List Token
//
// A JWT signed by a key of crypto/keys:
//
//	header  {"alg":"ES256","kid":"<thumbprint>","typ":"statuslist+jwt"}
//	payload {"sub":"<the list's URI>","iat":1767225600,"exp":1767830400,"ttl":3600,
//	         "status_list":{"bits":1,"lst":"..."}}
//
// sub must be the URI the credential named; iat is when the list was
// true; exp (optional) is when it must no longer be used; ttl (optional)
// how many seconds a copy may be cached before a fresh one is fetched.
// Served over HTTP with Content-Type application/statuslist+jwt.
//
// # Guarantees
//
// Decode and Verify treat every byte as hostile:
//
//   - size before work: a token longer than MaxTokenSize(limit) and an
//     lst longer than the limit allows are refused before decoding;
//     decompression stops one byte past the caller's limit (default
//     DefaultMaxBytes, 16 MiB, never above MaxListBytes), so a
//     decompression bomb costs at most the limit in memory and fails
//     with ErrTooLarge;
//   - one encoding: lst is unpadded canonical base64url only (no white
//     space, no padding, no standard alphabet), exactly one ZLIB stream
//     with a good checksum and nothing after it, bits exactly the JSON
//     integer 1, 2, 4 or 8; no duplicate JSON names, valid UTF-8;
//   - the header policy of crypto/keys (ES256 or EdDSA only, typ exactly
//     statuslist+jwt, no embedded keys, no crit, no unknown members);
//     the key comes only from the caller's KeyLookup, which is where the
//     trust list decides who may sign the list at a given URI;
//   - sub equal byte for byte to the URI the credential referenced, so a
//     list signed for one URI cannot answer for another; exp checked,
//     iat and nbf at most Skew in the future;
//   - an index outside the list is ErrIndex, never VALID;
//   - every failure has its own sentinel (errors.go), matched with
//     errors.Is.
//
// # Large lists and crypto/keys
//
// crypto/keys signs and verifies other JWS of at most 64 KiB; a
// province-size list is larger. Status List Tokens are signed with
// keys.SignMax and verified with keys.VerifyMax at the limit
// MaxTokenSize(limit): the same header policy, key lookup and signature
// code as every other JWS of the project, with a larger size cap. A key
// held by an HSM (keys.NewSigner over its crypto.Signer) signs lists of
// any size.
//
// # What the warehouse does
//
// The reference warehouse (sync/warehouse, statuslists.go) gives every
// credential it signs (each device's first issuance of a record version,
// and each re-issue) its own entry in a one-bit list of the credential's
// agency, at <public URL>/status/v1/<agency>/<n>: lists of a fixed
// capacity (2^24 by default), entries allocated in order by bumping the
// agency's head row in one transaction, never reused. An entry becomes
// INVALID in the store transaction that causes it: a withdrawal or
// correction of the record (every older version's credentials), a
// re-issue (the credential it replaces). A background builder signs
// each changed list with the agency's current key (HSM keys included)
// at most once a minute, and every list at half its ttl; the public GET
// only serves the stored token (application/statuslist+jwt, max-age, an
// ETag, gzip). The trust list names each agency's prefix (its
// status_lists), so a counter accepts a list only from that agency's
// keys, and only for that agency's credentials (sync/counter).
//
// # What a status does not say
//
// A list says what was true at its iat. A verifier decides how old a
// list it accepts (the counter shows the age with every answer), and a
// credential's own checks (signature, exp, issuer key not compromised)
// come first: VALID on a list never rescues an expired or forged
// credential.
package statuslist
