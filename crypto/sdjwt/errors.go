package sdjwt

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error Verify returns wraps ErrInvalid and exactly
// one of the sentinels below it; errors from the keys package (header
// policy, signature) and from the issuer-key lookup (trust.ErrUnknownKey
// ...) stay matchable through the wrapping. Match with errors.Is.
var (
	// ErrInvalid: the SD-JWT or presentation was rejected.
	ErrInvalid = errors.New("sdjwt: invalid SD-JWT")

	// ErrTooLarge: more than MaxSize bytes, MaxDisclosures disclosures
	// in one credential, MaxDigests digests
	// in one _sd array, or a processed payload nested deeper than
	// MaxDepth (counted through its disclosures). Checked before the work
	// they bound.
	ErrTooLarge = fmt.Errorf("%w: too large", ErrInvalid)
	// ErrMalformed: not the SD-JWT serialization (empty parts, a missing
	// trailing '~', no issuer JWT first), a required claim missing or
	// of the wrong JSON type (iss, iat, vct, cnf, aud, nonce, sd_hash ...),
	// an _sd that is not an array of SHA-256 digests or a "..." element
	// whose value is not one (at any depth), or _sd_alg below the top
	// level.
	ErrMalformed = fmt.Errorf("%w: malformed", ErrInvalid)
	// ErrIssuerJWT: the issuer-signed JWT failed the header policy or its
	// signature (wraps the keys package's sentinel: keys.ErrSignature,
	// keys.ErrTyp, keys.ErrAlg ...).
	ErrIssuerJWT = fmt.Errorf("%w: issuer-signed JWT rejected", ErrInvalid)
	// ErrIssuerKey: the issuer-key lookup refused the (iss, kid, iat) of
	// the credential (wraps its error, e.g. trust.ErrKeyNotValidAt).
	ErrIssuerKey = fmt.Errorf("%w: issuer key not trusted", ErrInvalid)
	// ErrSDAlg: _sd_alg is present and not "sha-256".
	ErrSDAlg = fmt.Errorf("%w: unsupported _sd_alg", ErrInvalid)
	// ErrDuplicateDigest: the same digest appears twice in the payload,
	// directly or through disclosures, in _sd arrays or "..." elements
	// (RFC 9901 §7.1 step 4).
	ErrDuplicateDigest = fmt.Errorf("%w: duplicate digest in _sd", ErrInvalid)
	// ErrDuplicateDisclosure: the same disclosure is presented twice for
	// one credential.
	ErrDuplicateDisclosure = fmt.Errorf("%w: duplicate disclosure", ErrInvalid)
	// ErrUnreferencedDisclosure: no digest of the credential it is
	// presented with references the disclosure, directly or through the
	// disclosures that are presented (tampered, taken from another
	// credential, or a nested one presented without its parent; RFC 9901
	// §7.1 step 5).
	ErrUnreferencedDisclosure = fmt.Errorf("%w: disclosure not referenced by the issuer-signed JWT", ErrInvalid)
	// ErrMalformedDisclosure: a referenced disclosure is not base64url of
	// a JSON array [salt, name, value] or [salt, value] with string salt
	// and name (strict JSON: valid UTF-8, no duplicate members), or is
	// of the wrong kind for where its digest is: an array-element
	// disclosure referenced from _sd, or an object-property disclosure
	// from a "..." array element.
	ErrMalformedDisclosure = fmt.Errorf("%w: malformed disclosure", ErrInvalid)
	// ErrClaimConflict: a disclosed claim name is "_sd" or "...", is a
	// claim the checks read (iss, iat, nbf, exp, aud, cnf, vct, status
	// ...: see Verify), or repeats a plain member or another disclosure's
	// name at its level; or "..." is a member of an object other than an
	// array element, or of one with other members.
	ErrClaimConflict = fmt.Errorf("%w: disclosed claim conflicts with another claim", ErrInvalid)
	// ErrUnsupported: what this package does not issue: Issue and Present
	// refuse claim values with "_sd" or "..." members, and ParseDisclosure
	// reads only object-property disclosures. Verify processes nested,
	// array-element and recursive disclosures (RFC 9901) and does not
	// return it.
	ErrUnsupported = fmt.Errorf("%w: unsupported SD-JWT feature", ErrInvalid)
	// ErrExpired: past exp (of the credential or the key binding) by more
	// than the skew, or the key binding is older than its maximum age.
	ErrExpired = fmt.Errorf("%w: expired", ErrInvalid)
	// ErrCredentialExpired: the issuer-signed JWT itself is past its exp
	// (a technical expiry the issuer renews by re-issuing), as opposed to
	// an expired key binding. It wraps ErrExpired.
	ErrCredentialExpired = fmt.Errorf("%w: credential", ErrExpired)
	// ErrNotYetValid: before nbf, or iat in the future, by more than the
	// skew.
	ErrNotYetValid = fmt.Errorf("%w: not yet valid", ErrInvalid)
	// ErrNoKeyBinding: the verifier requires a key-binding JWT and there
	// is none (the presentation ends with '~').
	ErrNoKeyBinding = fmt.Errorf("%w: key binding required", ErrInvalid)
	// ErrUnexpectedKeyBinding: a key-binding JWT is present where an
	// issued credential (no binding) was expected.
	ErrUnexpectedKeyBinding = fmt.Errorf("%w: unexpected key binding", ErrInvalid)
	// ErrKeyBinding: the key-binding JWT failed the header policy (typ
	// "kb+jwt", alg ...; kid optional but, when present, naming the cnf
	// key) or does not verify with the credentials' cnf key (wraps the
	// keys package's sentinel).
	ErrKeyBinding = fmt.Errorf("%w: key-binding JWT rejected", ErrInvalid)
	// ErrHolderMismatch: the credential is bound to another key than the
	// one the caller expects (Verify's opts.Holder, Present's holder).
	ErrHolderMismatch = fmt.Errorf("%w: holder key mismatch", ErrInvalid)
	// ErrSDHash: the key binding's sd_hash is not the hash of what was
	// presented (disclosures added, removed, reordered or swapped after
	// the holder signed).
	ErrSDHash = fmt.Errorf("%w: sd_hash does not match", ErrInvalid)
	// ErrAudience: the key binding's aud is not the expected audience.
	ErrAudience = fmt.Errorf("%w: wrong audience", ErrInvalid)
	// ErrNonce: the key binding's nonce is not the expected nonce.
	ErrNonce = fmt.Errorf("%w: wrong nonce", ErrInvalid)

	// ErrUnknownClaim: Present was asked to disclose a claim the
	// credential has no disclosure for.
	ErrUnknownClaim = errors.New("sdjwt: no disclosure for claim")
	// ErrReservedName: Issue or Present was given a claim name the format
	// reserves (iss, iat, cnf, _sd, sd_hash ...) or one used twice.
	ErrReservedName = errors.New("sdjwt: reserved or repeated claim name")
)
