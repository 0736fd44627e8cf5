// Package sdjwt owns selective disclosure: issuing records as SD-JWTs
// (RFC 9901, "Selective Disclosure for JSON Web Tokens"), presenting a
// chosen subset of their claims with a holder key binding, and verifying
// both, strictly and offline.
//
// Issuing agencies sign each record version with Issue; the wallet checks
// what it syncs with Verify (no key binding, VerifyOptions.Holder = its
// device key) and stores the issued string; to share, it calls Present
// with the claims the citizen chose; the counter calls Verify with a
// BindingPolicy and the province's trust list.
//
// # Issued credential
//
//	<issuer-signed JWT>~<disclosure>~...~<disclosure>~
//
// The issuer-signed JWT is a compact JWS of package keys (header exactly
// alg, typ "dc+sd-jwt", kid = the issuer key's RFC 7638 thumbprint) whose
// payload is
//
//	{
//	  "_sd": ["<digest>", ...],            sorted; claims' digests and decoys
//	  "_sd_alg": "sha-256",
//	  "iss": "vn.dongnai.soyte",           the issuer's id in the trust list
//	  "iat": 1767225600,                   whole Unix seconds
//	  "nbf": ..., "exp": ...,              optional
//	  "vct": "health.insurance_card",      the record type
//	  "cnf": {"jwk": {<holder public key>}},
//	  "<metadata>": ...                    plain claims chosen by the issuer
//	}
//
// Each disclosure is base64url(JSON [salt, name, value]) with a 128-bit
// random salt; its digest is base64url(SHA-256(the disclosure's ASCII)).
// One disclosure per top-level claim; values are plain JSON.
//
// What is always visible: iss, iat, nbf, exp, vct, cnf and the metadata
// (record id, version ...). Every claim about the citizen, including the
// 12-digit personal identification number, is a disclosure. There is
// deliberately no "sub": a plain citizen id would be shown to every
// verifier of every field, and a hash of it can be reversed by trying all
// 10^12 numbers. The credential is bound to the citizen through cnf (the
// device key the warehouse enrolled against the citizen's id); a
// verifier that needs the id asks for the id claim. Issue refuses "sub"
// and the other reserved names (iss, aud, iat, nbf, exp, jti, vct,
// vct#integrity, cnf, status, _sd, _sd_alg, "...") as metadata or claim
// names.
//
// # Presentation
//
// Present writes one credential with the chosen disclosures and closes it
// with a key-binding JWT, exactly the RFC 9901 SD-JWT+KB:
//
//	<issuer-signed JWT>~<D>~<D>~...~<KB-JWT>
//
// The KB-JWT (typ "kb+jwt", signed by the holder key, kid = its
// thumbprint) holds aud, nonce, iat, optional exp, sd_hash and the
// caller's extra claims (jti, purpose, procedure code ...). sd_hash is
// base64url(SHA-256) over everything before the KB-JWT, the final '~'
// included.
//
// An SD-JWT carries one credential. A consent token that shares fields of
// several records presents each record as its own SD-JWT+KB, all with the
// same key binding claims (crypto/consent), so any RFC 9901 verifier can
// check each on its own. (Until December 2026 this package wrote several
// credentials closed by one KB-JWT; no standard verifier reads that, and
// Verify now refuses it with ErrMalformed, naming the second JWT.) For
// scale: a 15-claim record with 4 decoys is about 2.9 KB issued; one
// presentation of 4 of its claims is about 2.6 KB, of which the
// issuer-signed JWT (mostly the 19 digests of _sd) is 1.7 KB.
//
// # Verification guarantees
//
// Verify implements RFC 9901 §7 in full: structured (nested) claims,
// array-element disclosures, recursive disclosures and decoys at every
// level, each digest met at most once, each disclosure used exactly
// once, no "_sd" or "..." clashes, and the same error whatever the order
// of the disclosures. It returns the Processed SD-JWT Payload
// (Credential.Payload), and, as views of it, the disclosed top-level
// claims (Claims) and the plain ones (Metadata). It returns only claims
// whose disclosures the issuer signed (by digest), for credentials
// signed by a key the caller's IssuerKey lookup trusts at the
// credential's iat, presented (with a key binding) by the holder of the
// cnf key, to the expected audience, within the time limits. Every
// failure has its own sentinel wrapping ErrInvalid:
// ErrTooLarge, ErrMalformed, ErrIssuerJWT, ErrIssuerKey, ErrSDAlg,
// ErrDuplicateDigest, ErrDuplicateDisclosure, ErrUnreferencedDisclosure,
// ErrMalformedDisclosure, ErrClaimConflict, ErrExpired,
// ErrNotYetValid, ErrNoKeyBinding, ErrUnexpectedKeyBinding,
// ErrKeyBinding, ErrHolderMismatch, ErrSDHash, ErrAudience, ErrNonce.
// Verify never panics on any input (fuzzed), and all JSON it reads goes
// through keys.CheckJSON (valid UTF-8, no duplicate member names).
//
// Time checks allow VerifyOptions.Skew (DefaultSkew, 5 minutes, when
// zero): a credential's iat and nbf may be up to skew in the future, its
// exp up to skew in the past; the same for the key binding, whose age is
// bounded by BindingPolicy.MaxAge, or, without exp and MaxAge, by
// DefaultKeyBindingMaxAge. Replay of a still-valid presentation is not
// detected here: the counter records the KB-JWT's jti (or nonce) and
// refuses a second use. Use that id, never the token string, since ECDSA
// signatures are malleable (package keys).
//
// Limits, checked before the work they bound: MaxSize bytes in all,
// MaxDisclosures disclosures per credential,
// MaxDigests digests per _sd, MaxNameLen bytes per claim name, MaxDepth
// levels of nesting in a processed payload (counted through its
// disclosures), and those of package keys (64 KiB per JWT, JSON depth 32
// per document).
//
// # Standard SD-JWTs
//
// VerifyOptions.Profile verifies SD-JWTs that are not this province's:
// RFC 9901's and SD-JWT VC's examples (testdata/ holds them as
// known-answer tests, README there), or another ecosystem's credentials.
// It keeps every RFC 9901 check and only lifts what the province adds:
// typ is the profile's (or free), the issuer JWT's kid is optional, and
// iss, iat, vct and cnf are optional. The algorithms stay ES256 and EdDSA,
// the only ones package keys verifies.
//
// # Differences from RFC 9901
//
//   - Issue writes only top-level object-property disclosures, and
//     Present selects among those (ErrUnsupported for values with "_sd"
//     or "..." members). Verify accepts all the RFC's forms.
//   - The only _sd_alg is sha-256; an absent _sd_alg means sha-256 as the
//     RFC says.
//   - The only algorithms are ES256 and EdDSA (RFC 9901 leaves the
//     choice to the application).
//   - typ values are compared exactly ("dc+sd-jwt", "kb+jwt"); the
//     issuer-signed JWT must carry a kid unless a Profile is set; the
//     KB-JWT's kid is optional; no header members other than alg, typ and
//     kid.
//   - cnf must be {"jwk": ...} (no kid or jku confirmation).
//   - Verify refuses, as disclosures, the top-level claims its checks
//     read (iss, aud, iat, nbf, exp, cnf, vct, vct#integrity, status):
//     RFC 9901 §9.7 lets a profile do so.
//   - NumericDates are whole seconds (JSON integers) only.
//   - Several credentials may share one KB-JWT, as described above.
package sdjwt
