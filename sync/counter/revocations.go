package counter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/consent"
	"github.com/vnwallet/citizenwallet/crypto/trust"
	"github.com/vnwallet/citizenwallet/sync/client"
	"github.com/vnwallet/citizenwallet/sync/protocol"
)

// The counter's revocation list: the revocations of consents given to
// its agency, as last verified. It only grows by signed deltas from the
// warehouse and only shrinks as entries expire, so a list that cannot be
// fetched or verified leaves the counter refusing everything it knew was
// revoked; how old that knowledge is goes with every verdict
// (RevocationStatus).

// DefaultFreshness is how old a revocation list may be before every
// verdict says it is stale.
const DefaultFreshness = 24 * time.Hour

// maxListPages bounds the pages one Refresh fetches (MaxRevocationPage entries each);
// the rest come at the next Refresh.
const maxListPages = 400

// revocations is the list as kept in memory and on disk.
type revocations struct {
	Audience   string                             `json:"audience"`
	Version    int64                              `json:"version"`
	IssuedAt   time.Time                          `json:"issued_at"` // of the newest page applied
	NextUpdate time.Time                          `json:"next_update"`
	Entries    map[consent.RevocationID]time.Time `json:"-"`
	Wire       map[string]int64                   `json:"entries"` // on disk: base64url id -> expiry (Unix seconds)
}

func (r *revocations) revoked(id consent.RevocationID) bool {
	_, ok := r.Entries[id]
	return ok
}

// apply adds one verified page and prunes what expired by now.
func (r *revocations) apply(l *consent.RevocationList, now time.Time) {
	for _, e := range l.Entries {
		if old, ok := r.Entries[e.ID]; !ok || e.Expires.After(old) {
			r.Entries[e.ID] = e.Expires
		}
	}
	r.Version = l.Version
	if l.IssuedAt.After(r.IssuedAt) {
		r.IssuedAt, r.NextUpdate = l.IssuedAt, l.NextUpdate
	}
	for id, exp := range r.Entries {
		if exp.Before(now) {
			delete(r.Entries, id)
		}
	}
}

func (r *revocations) clone() *revocations {
	c := *r
	c.Entries = make(map[consent.RevocationID]time.Time, len(r.Entries))
	for k, v := range r.Entries {
		c.Entries[k] = v
	}
	return &c
}

// load reads the saved list; a missing or damaged file is no list.
func loadRevocations(path, audience string) *revocations {
	r := &revocations{Audience: audience, Entries: map[consent.RevocationID]time.Time{}}
	b, err := os.ReadFile(path)
	if err != nil {
		return r
	}
	saved := revocations{Entries: map[consent.RevocationID]time.Time{}}
	if json.Unmarshal(b, &saved) != nil || saved.Audience != audience {
		return r
	}
	for s, exp := range saved.Wire {
		id, err := consent.ParseRevocationID(s)
		if err != nil {
			return r
		}
		saved.Entries[id] = time.Unix(exp, 0).UTC()
	}
	saved.Wire = nil
	return &saved
}

// save writes the list atomically (a temporary file, synced, renamed
// over the old one): a crash leaves the old list or the new one.
func (r *revocations) save(path string) error {
	w := *r
	w.Wire = make(map[string]int64, len(r.Entries))
	for id, exp := range r.Entries {
		w.Wire[id.String()] = exp.Unix()
	}
	b, err := json.Marshal(&w)
	if err != nil {
		return err
	}
	return writeAtomic(path, ".revoked-*", b)
}

// fetchRevocations brings the list up to date from the warehouse, page
// by page, each verified against tl. It returns the new list, or the
// error that stopped it along with the pages applied before it (applied
// pages are kept: each is a verified part of the truth).
func (c *Counter) fetchRevocations(ctx context.Context, tl *trust.List, held *revocations) (*revocations, error) {
	r := held.clone()
	now := c.cfg.Now()
	for range maxListPages {
		signed, err := c.wh.RevocationList(ctx, c.cfg.Agency, r.Version)
		var se *client.ServerError
		if errors.As(err, &se) && se.Code == protocol.ErrCodeBadCursor && r.Version > 0 {
			// The warehouse's list starts again (a new store): keep what
			// we know and read it all.
			r.Version = 0
			continue
		}
		if err != nil {
			return r, err
		}
		l, err := consent.VerifyRevocationList(signed, tl)
		if err != nil {
			return r, err
		}
		if l.Audience != c.cfg.Agency || l.Since != r.Version {
			return r, fmt.Errorf("%w: a list for %s after version %d, asked for %s after %d", consent.ErrRevocationList, l.Audience, l.Since, c.cfg.Agency, r.Version)
		}
		r.apply(l, now)
		if !l.More {
			return r, nil
		}
	}
	return r, nil
}

// RevocationStatus says what the counter knows of revocations, for every
// verdict to show.
type RevocationStatus struct {
	// Have: a verified list is held. Without one, no offline token's
	// revocation can be known.
	Have bool
	// AsOf is when the warehouse signed the newest part of the list: the
	// counter knows every revocation made before then.
	AsOf time.Time
	// Stale: AsOf is older than Config.Freshness.
	Stale   bool
	Entries int
	// LastError is why the last Refresh could not update the list ("" if
	// it could).
	LastError string
}

// RevocationStatus reports the revocation list held.
func (c *Counter) RevocationStatus() RevocationStatus {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.revoked
	st := RevocationStatus{Have: !r.IssuedAt.IsZero(), AsOf: r.IssuedAt, Entries: len(r.Entries), LastError: c.revErr}
	st.Stale = !st.Have || c.cfg.Now().Sub(r.IssuedAt) > c.cfg.Freshness
	return st
}
