package sdjwt

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
)

// Selection is one credential to present and the claims of it to reveal.
type Selection struct {
	// Credential is an issued credential as Issue returned it and the
	// wallet stored it: "<issuer-signed JWT>~<disclosure>~...~".
	Credential string
	// Disclose names the claims to reveal. Each must have a disclosure in
	// the credential (ErrUnknownClaim otherwise). Claims not named stay
	// hidden: only their salted digests travel.
	Disclose []string
}

// KeyBinding is the content of a key-binding JWT: what the holder signs
// when presenting, and what Verify returns after checking it.
type KeyBinding struct {
	// Audience (aud) is who the presentation is for: the recipient
	// agency's id. Required.
	Audience string
	// Nonce is the verifier's challenge when it gave one, otherwise a
	// fresh random value. Required.
	Nonce string
	// IssuedAt (iat) is when the holder signed. Required.
	IssuedAt time.Time
	// Expires (exp) ends the presentation's validity; zero leaves it out,
	// and verifiers then apply a short maximum age.
	Expires time.Time
	// Extra holds further claims (jti, purpose, procedure code ...).
	// Names may not be aud, nonce, iat, exp, nbf, sd_hash, cnf, _sd,
	// _sd_alg or "...". Verify returns every claim outside those here.
	Extra map[string]any
}

// reservedKBClaims are the key-binding claims this package writes or
// interprets itself.
var reservedKBClaims = map[string]bool{
	"aud": true, "nonce": true, "iat": true, "exp": true, "nbf": true, "sd_hash": true,
	"cnf": true, "_sd": true, "_sd_alg": true, "...": true,
}

// Present builds the RFC 9901 presentation of one credential with the
// chosen disclosures, closed by a key-binding JWT (typ "kb+jwt") signed by
// holder:
//
//	<issuer-signed JWT>~<D>~...~<D>~<KB-JWT>
//
// The credential must be bound to holder's key (cnf.jwk); sd_hash covers
// everything before the KB-JWT. To present several credentials together,
// present each with the same key binding (crypto/consent does): every one
// is then a standard SD-JWT+KB a verifier can check on its own.
//
// Present parses the credential (header policy, strict JSON, every
// disclosure referenced) but does not check the issuer's signature: it
// trusts a credential the wallet verified when it stored it.
func Present(holder *keys.PrivateKey, kb KeyBinding, sel Selection) (string, error) {
	s, err := present(holder, kb, sel)
	if err != nil {
		return "", fmt.Errorf("sdjwt: present: %w", err)
	}
	return s, nil
}

func present(holder *keys.PrivateKey, kb KeyBinding, sel Selection) (string, error) {
	if holder == nil {
		return "", errors.New("no holder key")
	}
	if kb.Audience == "" || kb.Nonce == "" {
		return "", errors.New("audience and nonce are required")
	}
	if kb.IssuedAt.IsZero() {
		return "", errors.New("issued-at is required")
	}
	if err := checkDate("issued-at", kb.IssuedAt); err != nil {
		return "", err
	}
	if !kb.Expires.IsZero() {
		if err := checkDate("expiry", kb.Expires); err != nil {
			return "", err
		}
	}
	if !kb.Expires.IsZero() && !kb.Expires.After(kb.IssuedAt) {
		return "", errors.New("expiry must be after issue")
	}
	var b strings.Builder
	if err := presentOne(&b, holder.Public(), sel); err != nil {
		return "", err
	}
	prefix := b.String()
	claims := map[string]any{
		"aud":     kb.Audience,
		"nonce":   kb.Nonce,
		"iat":     kb.IssuedAt.Unix(),
		"sd_hash": sdHash(prefix),
	}
	if !kb.Expires.IsZero() {
		claims["exp"] = kb.Expires.Unix()
	}
	for name, v := range kb.Extra {
		if reservedKBClaims[name] || name == "" {
			return "", fmt.Errorf("%w: key-binding claim %q", ErrReservedName, name)
		}
		if err := checkPlainValue(v); err != nil {
			return "", fmt.Errorf("key-binding claim %q: %w", name, err)
		}
		claims[name] = v
	}
	jwt, err := keys.SignJWT(holder, TypKeyBinding, claims)
	if err != nil {
		return "", err
	}
	out := prefix + jwt
	if len(out) > MaxSize {
		return "", fmt.Errorf("%w: %d bytes", ErrTooLarge, len(out))
	}
	return out, nil
}

// presentOne writes one credential's JWT and chosen disclosures, each
// followed by '~'.
func presentOne(b *strings.Builder, holder *keys.PublicKey, s Selection) error {
	ser, err := split(s.Credential)
	if err != nil {
		return err
	}
	if len(ser.creds) != 1 || ser.kb != "" {
		return fmt.Errorf("%w: not one issued credential", ErrMalformed)
	}
	p := ser.creds[0]
	j, err := parseIssuerJWT(p.jwt)
	if err != nil {
		return err
	}
	c, err := j.content()
	if err != nil {
		return err
	}
	if !c.holder.Equal(holder) {
		return fmt.Errorf("%w: the credential is bound to key %s, not the holder's %s", ErrHolderMismatch, c.holder.KID(), holder.KID())
	}
	// Check every disclosure, and index them by name.
	ds, err := disclose(p.disclosures, c)
	if err != nil {
		return err
	}
	have := make(map[string]bool, len(ds))
	for _, d := range ds {
		have[d.Name] = true
	}
	want := make(map[string]bool, len(s.Disclose))
	for _, name := range s.Disclose {
		if !have[name] {
			return fmt.Errorf("%w: %q", ErrUnknownClaim, truncate(name))
		}
		want[name] = true
	}
	b.WriteString(p.jwt)
	b.WriteByte('~')
	for _, d := range ds { // in the issuer's order
		if want[d.Name] {
			b.WriteString(d.Encoded)
			b.WriteByte('~')
		}
	}
	return nil
}
