package warehouse

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/sdjwt"
	"github.com/vnwallet/citizenwallet/crypto/statuslist"
	"github.com/vnwallet/citizenwallet/sync/credential"
	"github.com/vnwallet/citizenwallet/wallet"
)

// Status lists (IETF Token Status List, crypto/statuslist): how a
// withdrawal reaches a counter that is offline.
//
//   - Every credential the warehouse signs (a device's first issuance of
//     a record version and every re-issue) gets its own entry in a list
//     of its agency, given by StatusStore.AllocateStatus in one
//     transaction that bumps the agency's head row: never given twice,
//     never reused, and placed at a keyed pseudo-random index, not in the
//     order of issuance (statusorder.go). Lists have a fixed capacity (Config.StatusListCapacity,
//     2^24 entries by default); a full list is followed by the next, n+1.
//   - The list's URI is <Config.PublicURL>/status/v1/<agency>/<n>, under
//     the prefix <PublicURL>/status/v1/<agency>/ the trust list names as
//     the agency's status_lists (so a counter accepts only that agency's
//     key for it, and only that agency's credentials pointing at it).
//   - An entry becomes INVALID, in the store's transaction that causes
//     it: when its record gets a newer version (a correction or a
//     withdrawal; Append), when its credential is re-issued
//     (ReplaceCredentials' caller), or when it was given for a record
//     version already superseded or withdrawn.
//   - The signed token of each list is built off the request path by the
//     builder (a background loop every Config.StatusBuildEvery, woken
//     early by withdrawals), only for lists that changed and whose token
//     is at least Config.StatusMinInterval old, or whose token is older
//     than half its ttl; signed with the agency's current key through the
//     KeyStore (HSM keys included); kept in the store with its gzip form
//     and ETag.
//   - GET /status/v1/{agency}/{n} is public and unauthenticated, and
//     only reads the stored token: its cost does not grow with the
//     province. It answers application/statuslist+jwt, Cache-Control
//     max-age=<ttl>, an ETag (304 on If-None-Match) and gzip when asked.
//
// A warehouse without Config.PublicURL issues credentials without a
// status claim and publishes no lists.

// Defaults of the status-list settings.
const (
	DefaultStatusListCapacity = 1 << 24
	DefaultStatusListTTL      = time.Hour
	DefaultStatusMinInterval  = time.Minute
	DefaultStatusBuildEvery   = time.Minute
	// MinStatusListCapacity keeps a list worth publishing.
	MinStatusListCapacity = 1 << 10
)

// PathStatusLists is where the lists are served: PathStatusLists +
// "<agency>/<n>".
const PathStatusLists = "/status/v1/"

// StatusSlot is one credential to give a status entry: the record
// version it is for and the device it is issued to ("" for a credential
// issued outside any feed, IssueCredential).
type StatusSlot struct {
	CitizenID string
	DeviceID  string
	RecordID  string
	Version   int
}

// StatusIndex is an entry of an agency's status list: list n, index i.
type StatusIndex struct {
	Agency string
	List   int
	Index  int
}

// StatusListState is one list as the builder sees it.
type StatusListState struct {
	Agency string
	List   int
	// Changed moves forward whenever an entry of the list becomes
	// INVALID (a store-specific counter; only comparisons matter).
	Changed int64
	// Built is the Changed the stored token was built from (-1: none),
	// BuiltAt when it was signed.
	Built   int64
	BuiltAt time.Time
}

// StatusSnapshot is what a list holds at one moment: the entries that
// are INVALID, as of Changed.
type StatusSnapshot struct {
	Changed int64
	Invalid []int
}

// StatusToken is a signed list as stored and served.
type StatusToken struct {
	Agency   string
	List     int
	Changed  int64 // the StatusSnapshot.Changed it was built from
	IssuedAt time.Time
	Token    string // the compact statuslist+jwt
	Gzip     []byte // Token gzip'ed, served to clients that accept gzip
}

// StatusStore is the part of Store that keeps the status lists. The
// conformance suite (storetest) runs it against every store.
type StatusStore interface {
	// AllocateStatus gives each slot a new entry of agency's current list,
	// in one transaction that bumps the agency's head row: entries are
	// counted in order, never given twice, and a list holds at most
	// capacity (the next list, n+1, starts again at its first). The n-th
	// entry of list l is at index order(l, n), which must be a
	// permutation of [0, capacity) for each l (nil: index n). A list
	// that had entries before the store placed them by an order (a store
	// made before the order existed) keeps filling at index n; the
	// agency's next list is the first in order. An entry starts INVALID
	// when its record version is withdrawn or a newer version of the
	// record is stored, and VALID otherwise; it is linked to the record so
	// that Append can invalidate it. capacity must not change for a store.
	AllocateStatus(ctx context.Context, agency string, capacity int, slots []StatusSlot, order func(list, n int) int) ([]StatusIndex, error)
	// InvalidateStatus makes the entries INVALID (a replaced credential,
	// or one that lost a race and was never served). Entries already
	// INVALID, or never given, are left as they are.
	InvalidateStatus(ctx context.Context, idx []StatusIndex) error
	// StatusLists lists every list that has entries, with what the
	// builder needs to know whether to rebuild it.
	StatusLists(ctx context.Context) ([]StatusListState, error)
	// StatusSnapshot reads the INVALID entries of one list, consistently
	// with its Changed. ErrNotFound for a list that has no entries.
	StatusSnapshot(ctx context.Context, agency string, list int) (StatusSnapshot, error)
	// PutStatusToken stores a signed list, unless the stored one was built
	// from a later Changed (a slower builder never replaces a newer
	// token); it reports whether it stored t.
	PutStatusToken(ctx context.Context, t StatusToken) (bool, error)
	// StatusToken returns the stored token of a list (ErrNotFound if none
	// was built yet).
	StatusToken(ctx context.Context, agency string, list int) (StatusToken, error)
}

// statusEnabled reports whether this warehouse publishes status lists.
func (s *Server) statusEnabled() bool { return s.cfg.PublicURL != "" }

// statusPrefix is the status_lists prefix of an agency.
func (s *Server) statusPrefix(agency string) string {
	return strings.TrimSuffix(s.cfg.PublicURL, "/") + PathStatusLists + agency + "/"
}

// statusURI is the URI of list n of agency.
func (s *Server) statusURI(agency string, n int) string {
	return s.statusPrefix(agency) + strconv.Itoa(n)
}

// checkStatusConfig fills the status-list defaults and checks PublicURL.
func (c *Config) checkStatusConfig() error {
	if c.StatusListCapacity == 0 {
		c.StatusListCapacity = DefaultStatusListCapacity
	}
	if c.StatusListCapacity < MinStatusListCapacity || c.StatusListCapacity > statuslist.MaxListBytes*8 || c.StatusListCapacity%8 != 0 {
		return fmt.Errorf("status list capacity %d: a multiple of 8 from %d to %d", c.StatusListCapacity, MinStatusListCapacity, statuslist.MaxListBytes*8)
	}
	if c.StatusListTTL <= 0 {
		c.StatusListTTL = DefaultStatusListTTL
	}
	if c.StatusListTTL%time.Second != 0 {
		return fmt.Errorf("status list ttl %s: whole seconds", c.StatusListTTL)
	}
	if c.StatusMinInterval <= 0 {
		c.StatusMinInterval = DefaultStatusMinInterval
	}
	if c.StatusBuildEvery == 0 {
		c.StatusBuildEvery = DefaultStatusBuildEvery
	}
	if c.PublicURL == "" {
		return nil
	}
	u, err := url.Parse(c.PublicURL)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.Contains(u.Path, "/.") {
		return fmt.Errorf("public URL %q: an https URL with a host and no user, query or fragment", c.PublicURL)
	}
	return nil
}

// allocateStatus gives a status entry to each of recs[i] for i in want,
// grouped by agency, and returns the references (nil when status lists
// are off).
func (s *Server) allocateStatus(ctx context.Context, citizenID, deviceID string, recs []wallet.Record, want []int) ([]*credential.StatusRef, error) {
	out := make([]*credential.StatusRef, len(want))
	if !s.statusEnabled() {
		return out, nil
	}
	byAgency := map[string][]int{}
	var order []string
	for k, i := range want {
		a := recs[i].Issuer
		if _, ok := byAgency[a]; !ok {
			order = append(order, a)
		}
		byAgency[a] = append(byAgency[a], k)
	}
	for _, a := range order {
		ks := byAgency[a]
		slots := make([]StatusSlot, len(ks))
		for j, k := range ks {
			r := recs[want[k]]
			slots[j] = StatusSlot{CitizenID: citizenID, DeviceID: deviceID, RecordID: r.ID, Version: r.Version}
		}
		idx, err := s.st.AllocateStatus(ctx, a, s.cfg.StatusListCapacity, slots, s.statusOrderOf(a))
		if err != nil {
			return nil, fmt.Errorf("allocate status entries of %s: %w", a, err)
		}
		if len(idx) != len(slots) {
			return nil, fmt.Errorf("allocate status entries of %s: the store gave %d for %d", a, len(idx), len(slots))
		}
		for j, k := range ks {
			out[k] = &credential.StatusRef{Index: int64(idx[j].Index), URI: s.statusURI(a, idx[j].List)}
		}
		s.kickStatus()
	}
	return out, nil
}

// statusOrderOf is where agency's entries go in its lists
// (statusorder.go): one permutation per list, made when first used.
func (s *Server) statusOrderOf(agency string) func(list, n int) int {
	orders := map[int]*statusOrder{}
	return func(list, n int) int {
		o := orders[list]
		if o == nil {
			o = newStatusOrder(s.seedKey, agency, list, s.cfg.StatusListCapacity)
			orders[list] = o
		}
		return o.index(n)
	}
}

// statusIndexOf reads the status entry of a credential this warehouse
// issued (ok false: it has none, or not one of ours).
func (s *Server) statusIndexOf(cred string) (StatusIndex, bool) {
	if !s.statusEnabled() || cred == "" {
		return StatusIndex{}, false
	}
	jwt, _, _ := strings.Cut(cred, "~")
	u, err := keys.ParseUnverified(jwt, sdjwt.TypCredential)
	if err != nil {
		return StatusIndex{}, false
	}
	var p map[string]any
	if json.Unmarshal(u.UnverifiedPayload(), &p) != nil {
		return StatusIndex{}, false
	}
	ref, err := statuslist.ReferenceFromClaims(p)
	if err != nil {
		return StatusIndex{}, false
	}
	rest, ok := strings.CutPrefix(ref.URI, strings.TrimSuffix(s.cfg.PublicURL, "/")+PathStatusLists)
	if !ok {
		return StatusIndex{}, false
	}
	agency, n, ok := strings.Cut(rest, "/")
	list, err := strconv.Atoi(n)
	if !ok || err != nil || list < 0 || strconv.Itoa(list) != n {
		return StatusIndex{}, false
	}
	return StatusIndex{Agency: agency, List: list, Index: ref.Index}, true
}

// invalidateCredentials makes the entries of creds INVALID: credentials
// replaced by a re-issue, or issued and never served.
func (s *Server) invalidateCredentials(ctx context.Context, creds []string) error {
	var idx []StatusIndex
	for _, c := range creds {
		if i, ok := s.statusIndexOf(c); ok {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return nil
	}
	if err := s.st.InvalidateStatus(ctx, idx); err != nil {
		return fmt.Errorf("invalidate replaced credentials: %w", err)
	}
	s.kickStatus()
	return nil
}

// kickStatus wakes the builder (it still waits for StatusMinInterval).
func (s *Server) kickStatus() {
	select {
	case s.statusKick <- struct{}{}:
	default:
	}
}

// statusLoop is the builder: every StatusBuildEvery, or when kicked, it
// publishes the lists that are due.
func (s *Server) statusLoop() {
	defer close(s.statusDone)
	if !s.statusEnabled() || s.cfg.StatusBuildEvery < 0 {
		return
	}
	t := time.NewTicker(s.cfg.StatusBuildEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		case <-s.statusKick:
		}
		_, _ = s.PublishStatusLists(context.Background(), false)
	}
}

// PublishStatusLists builds, signs and stores the lists that are due: a
// list with no token yet; one that changed since its token and whose
// token is at least StatusMinInterval old (or every changed one, with
// force); one whose token is older than half its ttl (so a counter
// always finds a list signed recently). It returns how many it
// published. The background builder calls it; tests and tools may too.
func (s *Server) PublishStatusLists(ctx context.Context, force bool) (int, error) {
	if !s.statusEnabled() {
		return 0, nil
	}
	s.building.Lock()
	defer s.building.Unlock()
	states, err := s.st.StatusLists(ctx)
	if err != nil {
		return 0, fmt.Errorf("warehouse: status lists: %w", err)
	}
	now := s.cfg.Now()
	n := 0
	var errs []error
	for _, st := range states {
		age := now.Sub(st.BuiltAt)
		due := st.Built < 0 || age >= s.cfg.StatusListTTL/2 ||
			(st.Changed != st.Built && (force || age >= s.cfg.StatusMinInterval))
		if !due {
			continue
		}
		if err := s.publishList(ctx, st.Agency, st.List); err != nil {
			errs = append(errs, err)
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// publishList builds one list from a snapshot and stores its token.
func (s *Server) publishList(ctx context.Context, agency string, n int) error {
	snap, err := s.st.StatusSnapshot(ctx, agency, n)
	if err != nil {
		return fmt.Errorf("warehouse: status list %s/%d: %w", agency, n, err)
	}
	tok, err := s.signList(ctx, agency, n, snap)
	if err != nil {
		return fmt.Errorf("warehouse: status list %s/%d: %w", agency, n, err)
	}
	if _, err := s.st.PutStatusToken(ctx, tok); err != nil {
		return fmt.Errorf("warehouse: status list %s/%d: store: %w", agency, n, err)
	}
	return nil
}

// signList makes the token of a snapshot: capacity one-bit entries, the
// INVALID ones set, signed with the agency's current key.
func (s *Server) signList(ctx context.Context, agency string, n int, snap StatusSnapshot) (StatusToken, error) {
	a, ok := s.agency(ctx, agency)
	if !ok || len(a.keys) == 0 {
		return StatusToken{}, fmt.Errorf("agency %s has no signing key", agency)
	}
	if cur := a.info.SigningKeys[len(a.info.SigningKeys)-1]; !cur.Compromised.IsZero() {
		return StatusToken{}, fmt.Errorf("the current key of %s is compromised: rotate it", agency)
	}
	l, err := statuslist.New(1, s.cfg.StatusListCapacity)
	if err != nil {
		return StatusToken{}, err
	}
	for _, i := range snap.Invalid {
		if err := l.Set(i, statuslist.Invalid); err != nil {
			return StatusToken{}, fmt.Errorf("entry %d: %w", i, err)
		}
	}
	now := s.cfg.Now().UTC().Truncate(time.Second)
	t := &statuslist.Token{Subject: s.statusURI(agency, n), IssuedAt: now, TTL: s.cfg.StatusListTTL, List: l}
	signed, err := t.Sign(a.keys[len(a.keys)-1])
	if err != nil {
		return StatusToken{}, err
	}
	var zb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&zb, gzip.BestCompression)
	zw.Write([]byte(signed))
	if err := zw.Close(); err != nil {
		return StatusToken{}, err
	}
	return StatusToken{Agency: agency, List: n, Changed: snap.Changed, IssuedAt: now, Token: signed, Gzip: zb.Bytes()}, nil
}

// handleStatusList serves GET /status/v1/{agency}/{n}: the stored token,
// never rebuilt here.
func (s *Server) handleStatusList(w http.ResponseWriter, r *http.Request) {
	agency, ns := r.PathValue("agency"), r.PathValue("n")
	n, err := strconv.Atoi(ns)
	if !s.statusEnabled() || err != nil || n < 0 || strconv.Itoa(n) != ns || len(agency) > 64 {
		http.NotFound(w, r)
		return
	}
	tok, err := s.st.StatusToken(r.Context(), agency, n)
	if errors.Is(err, ErrNotFound) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, "status list unavailable", http.StatusServiceUnavailable)
		return
	}
	sum := sha256.Sum256([]byte(tok.Token))
	etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
	h := w.Header()
	h.Set("Content-Type", statuslist.MediaType)
	h.Set("Cache-Control", "public, max-age="+strconv.Itoa(int(s.cfg.StatusListTTL/time.Second)))
	h.Set("ETag", etag)
	h.Set("Last-Modified", tok.IssuedAt.UTC().Format(http.TimeFormat))
	h.Add("Vary", "Accept-Encoding")
	releaseTurn(r)
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatch(inm, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := []byte(tok.Token)
	if len(tok.Gzip) > 0 && acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = tok.Gzip
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// etagMatch reports whether an If-None-Match header names etag (or *).
func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}
