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

	// ErrTooLarge: more than MaxSize bytes, MaxCredentials credentials,
	// MaxDisclosures disclosures in one credential or MaxDigests digests
	// in one _sd array. Checked before the work they bound.
	ErrTooLarge = fmt.Errorf("%w: too large", ErrInvalid)
	// ErrMalformed: not the SD-JWT serialization (empty parts, a missing
	// trailing '~', no issuer JWT first), or a required claim missing or
	// of the wrong JSON type (iss, iat, vct, cnf, aud, nonce, sd_hash ...).
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
	// ErrDuplicateDigest: the same digest appears twice in _sd.
	ErrDuplicateDigest = fmt.Errorf("%w: duplicate digest in _sd", ErrInvalid)
	// ErrDuplicateDisclosure: the same disclosure is presented twice for
	// one credential.
	ErrDuplicateDisclosure = fmt.Errorf("%w: duplicate disclosure", ErrInvalid)
	// ErrUnreferencedDisclosure: a disclosure's digest is not in the _sd
	// of the credential it is presented with (tampered, or taken from
	// another credential).
	ErrUnreferencedDisclosure = fmt.Errorf("%w: disclosure not referenced by the issuer-signed JWT", ErrInvalid)
	// ErrMalformedDisclosure: a referenced disclosure is not base64url of
	// a JSON array [salt, name, value] with string salt and name (strict
	// JSON: valid UTF-8, no duplicate members).
	ErrMalformedDisclosure = fmt.Errorf("%w: malformed disclosure", ErrInvalid)
	// ErrClaimConflict: a disclosed claim name is "_sd" or "...", is a
	// reserved claim (iss, exp, cnf ...), repeats a plain claim of the
	// issuer-signed JWT, or repeats another disclosure's name.
	ErrClaimConflict = fmt.Errorf("%w: disclosed claim conflicts with another claim", ErrInvalid)
	// ErrUnsupported: nested selective disclosure ("_sd" inside a value)
	// or array-element disclosures ("..."), which this package neither
	// issues nor accepts.
	ErrUnsupported = fmt.Errorf("%w: unsupported SD-JWT feature", ErrInvalid)
	// ErrExpired: past exp (of the credential or the key binding) by more
	// than the skew, or the key binding is older than its maximum age.
	ErrExpired = fmt.Errorf("%w: expired", ErrInvalid)
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
	// "kb+jwt" ...) or does not verify with the credentials' cnf key
	// (wraps the keys package's sentinel).
	ErrKeyBinding = fmt.Errorf("%w: key-binding JWT rejected", ErrInvalid)
	// ErrHolderMismatch: the credentials of one presentation are bound to
	// different holder keys, or not to the key the caller expects.
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
