package consent

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/trust"
)

// Revocations. A citizen revokes a consent from the device that gave it;
// the warehouse accepts the revocation only with the device-signed part
// of the token (Proof) and only from a device of the same citizen, and
// publishes it to counters in a signed revocation list.
//
// A revocation is named by RevocationID(holder, consent id), not by the
// consent id alone: consent ids are printed in every QR a counter scans,
// so a list keyed by them would let anyone who saw a token revoke it.
// Keyed by the holder key too, a device can only ever name its own
// consents.

// RevocationIDSize is the length of a RevocationID in bytes.
const RevocationIDSize = 16

// RevocationID names one device's consent in revocation lists.
type RevocationID [RevocationIDSize]byte

// RevocationIDOf is the first 16 bytes of SHA-256 over
// "citizenwallet consent revocation v1", NUL, the holder key's kid (its
// RFC 7638 thumbprint), NUL and the consent id (jti).
func RevocationIDOf(holderKID, consentID string) RevocationID {
	h := sha256.New()
	h.Write([]byte("citizenwallet consent revocation v1\x00"))
	h.Write([]byte(holderKID))
	h.Write([]byte{0})
	h.Write([]byte(consentID))
	var id RevocationID
	copy(id[:], h.Sum(nil))
	return id
}

// String is the id in unpadded base64url (22 characters).
func (id RevocationID) String() string { return base64.RawURLEncoding.EncodeToString(id[:]) }

// ParseRevocationID reads String's form.
func ParseRevocationID(s string) (RevocationID, error) {
	var id RevocationID
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || len(b) != RevocationIDSize {
		return id, fmt.Errorf("consent: bad revocation id %q", truncate(s))
	}
	copy(id[:], b)
	return id, nil
}

// Proof is what a consent's device signed about it, read from the
// token's key-binding JWT (typ kb+jwt) or online reference (typ
// consent-ref+jwt): enough for the warehouse to check a revocation
// against the citizen's devices.
type Proof struct {
	Holder    string // the signing key's kid
	ConsentID string
	Audience  string
	IssuedAt  time.Time
	Expires   time.Time
	Online    bool // an online reference (redeemed at the warehouse), not an offline token
}

// ProofOf returns the device-signed part of a token: its last
// '~'-separated part (the key-binding JWT) for an offline token, the
// whole token for an online reference. The wallet keeps it with the
// consent, to revoke it later.
func ProofOf(token string) string {
	if i := bytes.LastIndexByte([]byte(token), '~'); i >= 0 {
		return token[i+1:]
	}
	return token
}

// ErrProof: a revocation's proof is not a consent signed by one of the
// keys given.
var ErrProof = errors.New("consent: the revocation's proof is not a consent signed by this citizen's device")

// VerifyProof checks proof against the keys of the citizen's devices
// (lookup finds a key by kid, failing for a key not the citizen's) and
// returns what it says. The times and the lifetime are checked as a
// token's are, except that it may have expired.
func VerifyProof(proof string, lookup keys.Lookup) (*Proof, error) {
	typ := "kb+jwt"
	online := false
	if u, err := keys.ParseUnverified(proof, ReferenceType); err == nil && u.Typ() == ReferenceType {
		typ, online = ReferenceType, true
	}
	claims, kid, err := keys.VerifyJWT(proof, typ, lookup)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrProof, err)
	}
	p := &Proof{Holder: kid, Online: online}
	var ok bool
	if p.ConsentID, ok = claims[ClaimID].(string); !ok || p.ConsentID == "" || len(p.ConsentID) > 200 {
		return nil, fmt.Errorf("%w: no consent id (jti)", ErrProof)
	}
	if p.Audience, ok = claims["aud"].(string); !ok || p.Audience == "" {
		return nil, fmt.Errorf("%w: no audience", ErrProof)
	}
	iat, ok1 := claims["iat"].(float64)
	exp, ok2 := claims["exp"].(float64)
	if !ok1 || !ok2 || iat <= 0 || exp <= iat || time.Duration(exp-iat)*time.Second > MaxLifetime {
		return nil, fmt.Errorf("%w: its lifetime must be more than 0 and at most %s", ErrProof, MaxLifetime)
	}
	p.IssuedAt, p.Expires = time.Unix(int64(iat), 0).UTC(), time.Unix(int64(exp), 0).UTC()
	return p, nil
}

// The counters' revocation list.
const (
	// RevocationListTyp is the JWS typ of a signed revocation list.
	RevocationListTyp = "consent-revocations+jwt"
	// MaxRevocationPage is the most entries one signed list holds, so it
	// stays under keys.MaxJWSSize (an entry costs ≈ 28.5 bytes of JWS: 16
	// bytes, base64url in the payload, base64url again in the JWS); a
	// longer delta comes in pages.
	MaxRevocationPage = 2000
)

// RevokedConsent is one entry of a revocation list: the consent's
// RevocationID and when it expires (rounded up to the hour), after
// which it is dropped, as the token is refused anyway.
type RevokedConsent struct {
	ID      RevocationID
	Expires time.Time
}

// RevocationList is one signed page of a province's revocation list for
// one recipient (Audience: a counter needs only the consents given to
// its own agency). It covers the revocations numbered Since+1 to Version
// (the warehouse numbers revocations in commit order) that had not
// expired at IssuedAt. A counter holding version V asks for Since = V
// and adds the entries: a delta. More says another page follows, from
// Version.
type RevocationList struct {
	Province   string
	Audience   string
	IssuedAt   time.Time
	NextUpdate time.Time // when the counter should fetch again
	Since      int64
	Version    int64
	More       bool
	Entries    []RevokedConsent
}

type wireRevoked struct {
	Expires int64  `json:"exp"`
	IDs     string `json:"ids"` // the 16-byte ids, concatenated, base64url
}

type wireRevocationList struct {
	Province   string        `json:"iss"`
	Audience   string        `json:"aud"`
	IssuedAt   int64         `json:"iat"`
	NextUpdate int64         `json:"next_update"`
	Since      int64         `json:"since"`
	Version    int64         `json:"version"`
	More       bool          `json:"more,omitempty"`
	Revoked    []wireRevoked `json:"revoked"`
}

// ErrRevocationList: a revocation list that is not signed by a
// revocation key of the trust list, or breaks a rule of its format.
var ErrRevocationList = errors.New("consent: invalid revocation list")

// SignRevocationList signs l with key (a revocation key of the trust
// list). Entries are grouped by expiry hour, each group's ids sorted, so
// the same list always signs to the same payload.
func SignRevocationList(l RevocationList, key *keys.PrivateKey) (string, error) {
	if l.Province == "" || l.Audience == "" || l.IssuedAt.Unix() <= 0 || !l.NextUpdate.After(l.IssuedAt) ||
		l.Since < 0 || l.Version < l.Since || len(l.Entries) > MaxRevocationPage {
		return "", fmt.Errorf("%w: sign: needs a province, an audience, next update after issue, 0 <= since <= version, at most %d entries", ErrRevocationList, MaxRevocationPage)
	}
	groups := map[int64][]RevocationID{}
	for _, e := range l.Entries {
		exp := e.Expires.Unix()
		if r := exp % 3600; r != 0 {
			exp += 3600 - r
		}
		groups[exp] = append(groups[exp], e.ID)
	}
	w := wireRevocationList{Province: l.Province, Audience: l.Audience, IssuedAt: l.IssuedAt.Unix(), NextUpdate: l.NextUpdate.Unix(),
		Since: l.Since, Version: l.Version, More: l.More, Revoked: []wireRevoked{}}
	for _, exp := range slices.Sorted(maps.Keys(groups)) {
		ids := groups[exp]
		slices.SortFunc(ids, func(a, b RevocationID) int { return bytes.Compare(a[:], b[:]) })
		ids = slices.Compact(ids)
		buf := make([]byte, 0, len(ids)*RevocationIDSize)
		for _, id := range ids {
			buf = append(buf, id[:]...)
		}
		w.Revoked = append(w.Revoked, wireRevoked{Expires: exp, IDs: base64.RawURLEncoding.EncodeToString(buf)})
	}
	payload, err := json.Marshal(w)
	if err != nil {
		return "", err
	}
	signed, err := keys.Sign(key, RevocationListTyp, payload)
	if err != nil {
		return "", fmt.Errorf("consent: sign revocation list: %w", err)
	}
	return signed, nil
}

// VerifyRevocationList checks signed against the revocation keys of tl
// (the key valid at the list's issue time) and decodes it strictly: the
// province must be tl's, expiry groups in increasing order, ids whole
// and unique, at most MaxRevocationPage of them. Whether it is the list
// a counter asked for (audience, since) and how old it is are the
// caller's to judge.
func VerifyRevocationList(signed string, tl *trust.List) (*RevocationList, error) {
	if tl == nil {
		return nil, fmt.Errorf("%w: no trust list", ErrRevocationList)
	}
	u, err := keys.ParseUnverified(signed, RevocationListTyp)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRevocationList, err)
	}
	var w wireRevocationList
	if err := keys.DecodeStrict(u.UnverifiedPayload(), &w); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRevocationList, err)
	}
	iat := time.Unix(w.IssuedAt, 0).UTC()
	if _, _, err := keys.Verify(signed, RevocationListTyp, func(kid string, _ keys.Alg) (*keys.PublicKey, error) {
		return tl.RevocationKey(kid, iat)
	}); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRevocationList, err)
	}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrRevocationList, fmt.Sprintf(format, a...))
	}
	switch {
	case w.Province != tl.Province:
		return nil, bad("for province %q, the trust list is %q", truncate(w.Province), tl.Province)
	case w.Audience == "":
		return nil, bad("no audience")
	case w.IssuedAt <= 0 || w.NextUpdate <= w.IssuedAt:
		return nil, bad("next update must be after issue")
	case w.Since < 0 || w.Version < w.Since:
		return nil, bad("version %d before since %d", w.Version, w.Since)
	}
	l := &RevocationList{Province: w.Province, Audience: w.Audience, IssuedAt: iat, NextUpdate: time.Unix(w.NextUpdate, 0).UTC(),
		Since: w.Since, Version: w.Version, More: w.More}
	seen := map[RevocationID]bool{}
	var last int64
	for _, g := range w.Revoked {
		if g.Expires <= last {
			return nil, bad("expiry groups out of order")
		}
		last = g.Expires
		b, err := base64.RawURLEncoding.Strict().DecodeString(g.IDs)
		if err != nil || len(b) == 0 || len(b)%RevocationIDSize != 0 {
			return nil, bad("ids of group %d are not whole %d-byte ids", g.Expires, RevocationIDSize)
		}
		for i := 0; i < len(b); i += RevocationIDSize {
			var id RevocationID
			copy(id[:], b[i:])
			if seen[id] {
				return nil, bad("id %s listed twice", id)
			}
			seen[id] = true
			if len(seen) > MaxRevocationPage {
				return nil, bad("more than %d entries", MaxRevocationPage)
			}
			l.Entries = append(l.Entries, RevokedConsent{ID: id, Expires: time.Unix(g.Expires, 0).UTC()})
		}
	}
	return l, nil
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
