package credential

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/sdjwt"
	"github.com/vnwallet/citizenwallet/crypto/trust"
)

// DefaultRenewBefore is how long before its exp a wallet asks for a
// credential to be re-issued, and the warehouse re-issues a stored one
// instead of serving it (see doc.go, "Expiry").
const DefaultRenewBefore = 7 * 24 * time.Hour

// Facts are what a stored credential says about itself, read without
// verifying it: for a credential the wallet verified when it stored it
// (or the warehouse signed itself), to decide whether it is due for a
// re-issue. Never use them to trust a credential from elsewhere.
type Facts struct {
	Issuer   string
	KID      string    // the issuer key that signed it
	SignedAt time.Time // iat
	Expires  time.Time // exp; zero for a credential made before exp existed
}

// ReadFacts reads the issuer, key, iat and exp of a stored credential
// (ErrMalformed if it is not one of this format). It checks no
// signature.
func ReadFacts(cred string) (Facts, error) {
	jwt, _, _ := strings.Cut(cred, "~")
	u, err := keys.ParseUnverified(jwt, sdjwt.TypCredential)
	if err != nil {
		return Facts{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	var p struct {
		Iss string `json:"iss"`
		Iat int64  `json:"iat"`
		Exp int64  `json:"exp"`
	}
	if err := json.Unmarshal(u.UnverifiedPayload(), &p); err != nil || p.Iat <= 0 || p.Exp < 0 {
		return Facts{}, fmt.Errorf("%w: credential payload", ErrMalformed)
	}
	f := Facts{Issuer: p.Iss, KID: u.KID(), SignedAt: time.Unix(p.Iat, 0).UTC()}
	if p.Exp > 0 {
		f.Expires = time.Unix(p.Exp, 0).UTC()
	}
	return f, nil
}

// Presentable reports whether a stored credential can still be shown
// at a counter at now: not past its exp. A record whose credential is
// not presentable is still the citizen's, shown as it is, with "needs a
// sync" (hồ sơ cần đồng bộ lại): its exp is technical, the record's own
// validity is ValidFrom and ValidUntil.
func (f Facts) Presentable(now time.Time) bool {
	return f.Expires.IsZero() || now.Before(f.Expires)
}

// Due reports whether a stored credential should be re-issued at now:
// it has no exp (made before exp existed), its exp is within renewBefore
// (or past), or list (when not nil) marks its key compromised.
func (f Facts) Due(now time.Time, renewBefore time.Duration, list *trust.List) bool {
	if f.Expires.IsZero() || !now.Add(renewBefore).Before(f.Expires) {
		return true
	}
	return list != nil && list.Compromised(f.KID)
}
