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
	b.WriteString(p.jwt)
	b.WriteByte('~')
	chosen, err := choose(p.disclosures, c, s.Disclose)
	if err != nil {
		return err
	}
	for _, e := range chosen {
		b.WriteString(e)
		b.WriteByte('~')
	}
	return nil
}

// choose returns, in the issuer's order, the disclosures of the named
// claims and of the objects that hold them: a claim nested in an
// Object travels with the Object's disclosure, whose other members stay
// hidden (only their digests travel). Naming an Object discloses it
// whole. Every disclosure is checked (referenced, well formed, names
// unique), and every name must have one (ErrUnknownClaim).
func choose(encoded []string, c *content, names []string) ([]string, error) {
	ds, parent, err := disclose(encoded, c)
	if err != nil {
		return nil, err
	}
	byName := make(map[string]int, len(ds))
	for i, d := range ds {
		byName[d.Name] = i
	}
	keep := make([]bool, len(ds))
	for _, name := range names {
		i, ok := byName[name]
		if !ok {
			return nil, fmt.Errorf("%w: %q", ErrUnknownClaim, truncate(name))
		}
		for j := i; j >= 0; j = parent[j] {
			keep[j] = true
		}
		for j := range ds { // an Object named: all of it
			if parent[j] == i {
				keep[j] = true
			}
		}
	}
	var out []string
	for i, d := range ds {
		if keep[i] {
			out = append(out, d.Encoded)
		}
	}
	return out, nil
}

// Disclose returns the issued credential cred ("<jwt>~<d>~...~") with
// only the disclosures of the named claims (and of the objects that hold
// them), as Present chooses them, and no key binding: what a party that
// holds the whole credential (the warehouse answering an online consent)
// passes on. It checks the form, not the issuer's signature.
func Disclose(cred string, names []string) (string, error) {
	ser, err := split(cred)
	if err != nil {
		return "", fmt.Errorf("sdjwt: disclose: %w", err)
	}
	if len(ser.creds) != 1 || ser.kb != "" {
		return "", fmt.Errorf("sdjwt: disclose: %w: not one issued credential", ErrMalformed)
	}
	j, err := parseIssuerJWT(ser.creds[0].jwt)
	if err != nil {
		return "", fmt.Errorf("sdjwt: disclose: %w", err)
	}
	c, err := j.content()
	if err != nil {
		return "", fmt.Errorf("sdjwt: disclose: %w", err)
	}
	chosen, err := choose(ser.creds[0].disclosures, c, names)
	if err != nil {
		return "", fmt.Errorf("sdjwt: disclose: %w", err)
	}
	var b strings.Builder
	b.WriteString(ser.creds[0].jwt)
	b.WriteByte('~')
	for _, e := range chosen {
		b.WriteString(e)
		b.WriteByte('~')
	}
	return b.String(), nil
}
