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
// crypto/keys signs and verifies JWS of at most 64 KiB; a province-size
// list is larger. Tokens within that size are signed and verified by
// crypto/keys as they are; larger ones keep crypto/keys' header policy
// and key lookup, and only the signature over the large input is made or
// checked here with the standard library (jws.go). An HSM-held key signs
// large lists through SignWith and its crypto.Signer.
//
// # What a status does not say
//
// A list says what was true at its iat. A verifier decides how old a
// list it accepts (the counter shows the age with every answer), and a
// credential's own checks (signature, exp, issuer key not compromised)
// come first: VALID on a list never rescues an expired or forged
// credential.
package statuslist
