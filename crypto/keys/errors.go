package keys

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error the package returns for a bad JWS wraps
// ErrBadJWS and, where one applies, exactly one of the more specific
// sentinels below it; every error for a bad key wraps ErrInvalidKey. Match
// them with errors.Is.
var (
	// ErrBadJWS: the compact JWS was rejected. Every JWS sentinel below
	// wraps it.
	ErrBadJWS = errors.New("keys: invalid JWS")

	// ErrTooLarge: the JWS is longer than MaxJWSSize; nothing was decoded.
	ErrTooLarge = fmt.Errorf("%w: too large", ErrBadJWS)
	// ErrMalformed: not exactly three base64url (unpadded, canonical)
	// parts, a header or JWT payload that is not one JSON object (with
	// unique member names, valid UTF-8), a header member of the wrong
	// JSON type, an empty payload or a signature of the wrong length.
	ErrMalformed = fmt.Errorf("%w: malformed", ErrBadJWS)
	// ErrAlg: the header's alg is missing or is not exactly "ES256" or
	// "EdDSA" ("none", HS256, RS256 ... are all rejected).
	ErrAlg = fmt.Errorf("%w: unsupported alg", ErrBadJWS)
	// ErrAlgMismatch: the header's alg is not the verifying key's alg
	// (an EdDSA header checked against a P-256 key, or the reverse).
	ErrAlgMismatch = fmt.Errorf("%w: alg does not match the key", ErrBadJWS)
	// ErrTyp: the header's typ is missing or not the expected one.
	ErrTyp = fmt.Errorf("%w: unexpected typ", ErrBadJWS)
	// ErrKID: the header's kid is missing, empty, longer than MaxKIDLen or
	// not printable ASCII.
	ErrKID = fmt.Errorf("%w: bad kid", ErrBadJWS)
	// ErrEmbeddedKey: the header carries or points to a key or
	// certificate (jwk, jku, x5u, x5c, x5t, x5t#S256). Keys come only from
	// the caller's lookup, never from the message.
	ErrEmbeddedKey = fmt.Errorf("%w: embedded key or key reference in header", ErrBadJWS)
	// ErrCrit: the header has a crit member. This package understands no
	// JWS extension, so any critical one must be refused (RFC 7515 §4.1.11).
	ErrCrit = fmt.Errorf("%w: crit header present", ErrBadJWS)
	// ErrB64: the header has a b64 member (RFC 7797 unencoded payload).
	ErrB64 = fmt.Errorf("%w: b64 header present", ErrBadJWS)
	// ErrUnknownHeader: the header has a member other than alg, typ and
	// kid.
	ErrUnknownHeader = fmt.Errorf("%w: unknown header member", ErrBadJWS)
	// ErrSignature: the signature does not verify under the key.
	ErrSignature = fmt.Errorf("%w: signature does not verify", ErrBadJWS)

	// ErrInvalidKey: a key (JWK or raw) was rejected. Every key sentinel
	// below wraps it.
	ErrInvalidKey = errors.New("keys: invalid key")
	// ErrUnsupportedKey: the kty, crv or alg is not one this package
	// supports (EC P-256 with ES256, OKP Ed25519 with EdDSA).
	ErrUnsupportedKey = fmt.Errorf("%w: unsupported key type", ErrInvalidKey)
	// ErrPrivateMember: a public JWK carries private key material ("d",
	// or RSA's private members).
	ErrPrivateMember = fmt.Errorf("%w: private member in a public key", ErrInvalidKey)
	// ErrKeyMember: a JWK member outside kty, crv, x, y (EC), d (private
	// keys), kid and alg.
	ErrKeyMember = fmt.Errorf("%w: unexpected JWK member", ErrInvalidKey)

	// ErrNotExportable: the private key is held by an external signer
	// (NewSigner: an HSM, a KMS) and cannot leave it, so it has no JWK.
	ErrNotExportable = errors.New("keys: private key is held by an external signer (HSM) and cannot be exported")

	// ErrJSON: bytes are not exactly one JSON value in valid UTF-8 with
	// unique member names in every object and at most MaxJSONDepth levels
	// of nesting (CheckJSON).
	ErrJSON = errors.New("keys: invalid JSON")
)
