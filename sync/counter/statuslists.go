package counter

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/statuslist"
)

// The counter's status lists (IETF Token Status List): for each list a
// presented credential names (status.status_list.uri), the newest signed
// Status List Token fetched, kept on disk as signed so that it survives a
// restart and is verified again when loaded. Check answers from that
// cache without the network, with how old the list is; a list never
// fetched is ErrStatusUnknown, never VALID. A list is only ever replaced
// by one at least as new (iat): the server cannot roll a withdrawal back.

// Defaults of StatusListConfig.
const (
	// DefaultStatusRefresh is how long a list without ttl is used before
	// a fresh one is fetched.
	DefaultStatusRefresh = time.Hour
	// DefaultMinStatusRefresh and DefaultMaxStatusRefresh bound the
	// list's own ttl (the draft: clients keep ttl within reasonable
	// bounds, so a wrong ttl can neither flood the server nor keep a list
	// for months).
	DefaultMinStatusRefresh = time.Minute
	DefaultMaxStatusRefresh = 24 * time.Hour
	// DefaultStatusFetchTimeout bounds one fetch, body included: a list
	// of 100 M entries with 1 % withdrawn is 1.8 MB gzip'ed.
	DefaultStatusFetchTimeout = 2 * time.Minute
)

// statusDir is the folder under StatusListConfig.Dir holding the lists.
const statusDir = "status-lists"

// Errors of the status-list cache. Verification failures wrap the
// crypto/statuslist sentinels as well (statuslist.ErrUnknownKey,
// ErrSignature, ErrSubject, ErrTooLarge ...).
var (
	// ErrStatusUnknown: no verified list is held for this URI (never
	// fetched, or the cached one no longer verifies): nothing can be said
	// about the credential's status, and it is not VALID.
	ErrStatusUnknown = errors.New("counter: credential status unknown: its status list was never fetched")
	// ErrStatusListExpired: the list held is past its exp; the draft says
	// it must not be relied on. Fetch a fresh one.
	ErrStatusListExpired = errors.New("counter: the status list held has expired")
	// ErrStatusListRollback: the server sent a list older (by iat) than
	// the one held; it was refused and the held one kept.
	ErrStatusListRollback = errors.New("counter: refused a status list older than the one held")
	// ErrStatusListUnreachable: the list's server could not be reached
	// (network error, timeout, HTTP 5xx). The held list stays in use.
	ErrStatusListUnreachable = errors.New("counter: status list server unreachable")
	// ErrStatusListFetch: the server answered, but not with a status list
	// token (HTTP status, Content-Type, a body over the size limit).
	ErrStatusListFetch = errors.New("counter: bad status list response")
)

// StatusListConfig configures a counter's status-list cache.
type StatusListConfig struct {
	// Dir keeps the signed lists, in Dir/status-lists/ (the counter's
	// Config.Dir). Required.
	Dir string
	// Keys returns the key allowed to sign the list at uri for kid, judged
	// at the list's iat: the trust list's decision (the Counter passes
	// trust.List.StatusListKey: a key of the agency whose status_lists
	// prefix covers uri, valid at iat, not compromised). Required.
	Keys func(uri, kid string, iat time.Time) (*keys.PublicKey, error)
	// Transport carries the requests (nil: a transport with connect, TLS
	// and header timeouts). Tests pass an httptest TLS server's.
	Transport http.RoundTripper
	Now       func() time.Time
	// MaxBytes bounds a list's decompressed size (0: 16 MiB, 134 M
	// one-bit entries); the response body is bounded accordingly.
	MaxBytes int
	// Refresh is how long a list without ttl is used before it is due
	// (0: DefaultStatusRefresh). MinRefresh and MaxRefresh bound a list's
	// ttl (0: the defaults).
	Refresh, MinRefresh, MaxRefresh time.Duration
	// Timeout bounds one fetch (0: DefaultStatusFetchTimeout).
	Timeout time.Duration
}

// StatusLists is the cache. Its methods are safe for concurrent use.
type StatusLists struct {
	cfg    StatusListConfig
	client *http.Client

	fetching sync.Mutex // one fetch at a time: a counter checks a handful of lists

	mu    sync.Mutex
	lists map[string]*heldList
}

// heldList is one verified list.
type heldList struct {
	signed  string
	tok     *statuslist.Token
	fetched time.Time // when the server last sent this list (or a same-age copy)
	lastErr string    // why the last fetch did not replace it
}

// savedList is a held list on disk: the signed token as received.
type savedList struct {
	URI     string    `json:"uri"`
	Fetched time.Time `json:"fetched"`
	Token   string    `json:"token"`
}

// OpenStatusLists opens the cache in cfg.Dir and verifies every list
// saved there again (signature with cfg.Keys as it is now, sub, iat; an
// expired list is kept so that Check can say so and an older one is
// still refused). A list that no longer verifies (damaged, or its key no
// longer trusted) is dropped: as good as never fetched. It does not
// reach the network.
func OpenStatusLists(cfg StatusListConfig) (*StatusLists, error) {
	if cfg.Dir == "" || cfg.Keys == nil {
		return nil, errors.New("counter: status lists: Dir and Keys are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Refresh <= 0 {
		cfg.Refresh = DefaultStatusRefresh
	}
	if cfg.MinRefresh <= 0 {
		cfg.MinRefresh = DefaultMinStatusRefresh
	}
	if cfg.MaxRefresh <= 0 {
		cfg.MaxRefresh = DefaultMaxStatusRefresh
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultStatusFetchTimeout
	}
	if cfg.Transport == nil {
		cfg.Transport = &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   15 * time.Second,
			ResponseHeaderTimeout: 30 * time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConns:          4,
			ForceAttemptHTTP2:     true,
		}
	}
	dir := filepath.Join(cfg.Dir, statusDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	s := &StatusLists{cfg: cfg, lists: map[string]*heldList{}}
	s.client = &http.Client{
		Transport: cfg.Transport,
		Timeout:   cfg.Timeout,
		// The draft: follow redirects, carefully. Never to plain http, and
		// only a few.
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 3 {
				return errors.New("more than 3 redirects")
			}
			if req.URL.Scheme != "https" {
				return fmt.Errorf("redirect to %s refused: https only", req.URL.Scheme)
			}
			return nil
		},
	}
	names, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	for _, name := range names {
		uri, h, ok := s.load(name)
		if ok {
			s.lists[uri] = h
		}
	}
	return s, nil
}

// fileFor is where the list at uri is kept: the SHA-256 of the URI, so
// any URI makes a safe file name.
func (s *StatusLists) fileFor(uri string) string {
	sum := sha256.Sum256([]byte(uri))
	return filepath.Join(s.cfg.Dir, statusDir, hex.EncodeToString(sum[:])+".json")
}

// load reads and verifies one saved list.
func (s *StatusLists) load(name string) (string, *heldList, bool) {
	f, err := os.Open(name)
	if err != nil {
		return "", nil, false
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, int64(statuslist.MaxTokenSize(s.cfg.MaxBytes))+4096))
	if err != nil {
		return "", nil, false
	}
	var saved savedList
	if json.Unmarshal(b, &saved) != nil || s.fileFor(saved.URI) != name {
		return "", nil, false
	}
	tok, err := s.verify(saved.URI, saved.Token, true)
	if err != nil {
		return "", nil, false
	}
	return saved.URI, &heldList{signed: saved.Token, tok: tok, fetched: saved.Fetched}, true
}

func (s *StatusLists) verify(uri, signed string, ignoreExpiry bool) (*statuslist.Token, error) {
	return statuslist.Verify(signed, statuslist.VerifyOptions{
		Subject:      uri,
		KeysAt:       func(kid string, iat time.Time) (*keys.PublicKey, error) { return s.cfg.Keys(uri, kid, iat) },
		Now:          s.cfg.Now(),
		MaxBytes:     s.cfg.MaxBytes,
		IgnoreExpiry: ignoreExpiry,
	})
}

// refreshAfter is how long a list is used before it is due: its ttl
// within [MinRefresh, MaxRefresh], or Refresh without one.
func (s *StatusLists) refreshAfter(t *statuslist.Token) time.Duration {
	d := t.TTL
	if d == 0 {
		d = s.cfg.Refresh
	}
	return min(max(d, s.cfg.MinRefresh), s.cfg.MaxRefresh)
}

// due reports whether h should be fetched again: its ttl has run out
// since it was fetched, or it has expired.
func (s *StatusLists) due(h *heldList, now time.Time) bool {
	return h == nil || !now.Before(h.fetched.Add(s.refreshAfter(h.tok))) || h.tok.Expired(now)
}

// Fetch gets the list at uri, verifies it and, if it is at least as new
// as the one held, keeps it (memory and disk). On any error the held
// list stays in use; the error is also kept for StatusListInfo.
func (s *StatusLists) Fetch(ctx context.Context, uri string) error {
	s.fetching.Lock()
	defer s.fetching.Unlock()
	err := s.fetch(ctx, uri)
	if err != nil {
		err = fmt.Errorf("counter: status list %s: %w", uri, err)
		s.mu.Lock()
		if h := s.lists[uri]; h != nil {
			h.lastErr = err.Error()
		}
		s.mu.Unlock()
	}
	return err
}

func (s *StatusLists) fetch(ctx context.Context, uri string) error {
	if _, err := statuslist.ParseURI(uri); err != nil {
		return err
	}
	signed, err := s.get(ctx, uri)
	if err != nil {
		return err
	}
	tok, err := s.verify(uri, signed, false)
	if err != nil {
		return err
	}
	now := s.cfg.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	held := s.lists[uri]
	if held != nil && tok.IssuedAt.Before(held.tok.IssuedAt) {
		return fmt.Errorf("%w: iat %s, held %s", ErrStatusListRollback,
			tok.IssuedAt.Format(time.RFC3339), held.tok.IssuedAt.Format(time.RFC3339))
	}
	next := &heldList{signed: signed, tok: tok, fetched: now}
	if held != nil && tok.IssuedAt.Equal(held.tok.IssuedAt) {
		// The same list again (or a copy signed in the same second): the
		// held one is confirmed current; keep its bytes.
		next.signed, next.tok = held.signed, held.tok
	}
	// The cache spares the next offline start a fetch: a failed write
	// leaves the previous file, never a wrong verdict.
	werr := saveStatusList(s.fileFor(uri), savedList{URI: uri, Fetched: now, Token: next.signed})
	if werr != nil {
		next.lastErr = "the status list could not be saved: " + werr.Error()
	}
	s.lists[uri] = next
	return nil
}

// get does the HTTP request: GET with Accept application/statuslist+jwt;
// 200 with that Content-Type and a body within the size limit.
func (s *StatusLists) get(ctx context.Context, uri string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrStatusListFetch, err)
	}
	req.Header.Set("Accept", statuslist.MediaType)
	resp, err := s.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrStatusListUnreachable, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode >= 500:
		return "", fmt.Errorf("%w: HTTP %d", ErrStatusListUnreachable, resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		return "", fmt.Errorf("%w: HTTP %d", ErrStatusListFetch, resp.StatusCode)
	}
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err != nil || mt != statuslist.MediaType {
		return "", fmt.Errorf("%w: Content-Type %.60q, want %s", ErrStatusListFetch, resp.Header.Get("Content-Type"), statuslist.MediaType)
	}
	// The transport un-gzips; the limit applies to what it yields, so a
	// gzip bomb stops here too.
	max := statuslist.MaxTokenSize(s.cfg.MaxBytes)
	body, err := io.ReadAll(io.LimitReader(resp.Body, int64(max)+1))
	if err != nil {
		return "", fmt.Errorf("%w: reading the body: %v", ErrStatusListUnreachable, err)
	}
	if len(body) > max {
		return "", fmt.Errorf("%w: %w: body over %d bytes", ErrStatusListFetch, statuslist.ErrTokenTooLarge, max)
	}
	return strings.TrimRight(string(body), "\r\n"), nil
}

// Ensure fetches the list at uri if none is held or the held one is due;
// a fetch that fails leaves the held list (if any) in use and returns the
// error. Call it online before Check; offline, Check alone.
func (s *StatusLists) Ensure(ctx context.Context, uri string) error {
	s.mu.Lock()
	due := s.due(s.lists[uri], s.cfg.Now())
	s.mu.Unlock()
	if !due {
		return nil
	}
	return s.Fetch(ctx, uri)
}

// Refresh fetches every held list that is due (its ttl has run out). It
// returns the fetch errors joined; the lists that failed stay in use.
func (s *StatusLists) Refresh(ctx context.Context) error {
	now := s.cfg.Now()
	s.mu.Lock()
	var uris []string
	for uri, h := range s.lists {
		if s.due(h, now) {
			uris = append(uris, uri)
		}
	}
	s.mu.Unlock()
	var errs []error
	for _, uri := range uris {
		if err := s.Fetch(ctx, uri); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Check answers, from the cache and without the network, the status of
// entry idx of the list at uri, and how old that answer is (now minus the
// list's iat: every withdrawal signed before then is in it). Errors:
// ErrStatusUnknown (no list held: not VALID), ErrStatusListExpired (the
// list held is past its exp), statuslist.ErrIndex (idx is outside the
// list: the credential must be refused).
func (s *StatusLists) Check(uri string, idx int) (statuslist.Status, time.Duration, error) {
	now := s.cfg.Now()
	s.mu.Lock()
	h := s.lists[uri]
	s.mu.Unlock()
	if h == nil {
		return 0, 0, fmt.Errorf("%w (%s)", ErrStatusUnknown, uri)
	}
	age := max(now.Sub(h.tok.IssuedAt), 0)
	if h.tok.Expired(now) {
		return 0, age, fmt.Errorf("%w: %s expired at %s", ErrStatusListExpired, uri, h.tok.Expires.Format(time.RFC3339))
	}
	st, err := h.tok.Status(statuslist.Reference{Index: idx, URI: uri})
	if err != nil {
		return 0, age, fmt.Errorf("counter: status of %s #%d: %w", uri, idx, err)
	}
	return st, age, nil
}

// CheckCredential is Check for a credential's decoded claims (its status
// claim, read with statuslist.ReferenceFromClaims). A credential with no
// status claim is statuslist.ErrNoStatusList.
func (s *StatusLists) CheckCredential(claims map[string]any) (statuslist.Status, time.Duration, error) {
	ref, err := statuslist.ReferenceFromClaims(claims)
	if err != nil {
		return 0, 0, err
	}
	return s.Check(ref.URI, ref.Index)
}

// StatusListInfo describes one held list, for the counter's screen ("the
// BHXH list is 3 hours old").
type StatusListInfo struct {
	URI      string
	IssuedAt time.Time     // what the list says was true then
	Age      time.Duration // now minus IssuedAt
	Fetched  time.Time     // when the server last sent it
	Expires  time.Time     // zero: no exp
	TTL      time.Duration // zero: no ttl
	Entries  int
	Due      bool   // a fresh copy should be fetched (ttl ran out)
	Expired  bool   // past exp: Check refuses to answer from it
	LastErr  string // why the last fetch did not replace it ("" if it did)
}

// Lists describes every held list.
func (s *StatusLists) Lists() []StatusListInfo {
	now := s.cfg.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]StatusListInfo, 0, len(s.lists))
	for uri, h := range s.lists {
		out = append(out, StatusListInfo{
			URI: uri, IssuedAt: h.tok.IssuedAt, Age: max(now.Sub(h.tok.IssuedAt), 0), Fetched: h.fetched,
			Expires: h.tok.Expires, TTL: h.tok.TTL, Entries: h.tok.List.Len(),
			Due: s.due(h, now), Expired: h.tok.Expired(now), LastErr: h.lastErr,
		})
	}
	return out
}

// saveStatusList writes a list atomically, as the revocation list is
// saved (writeAtomic).
func saveStatusList(path string, l savedList) error {
	b, err := json.Marshal(l)
	if err != nil {
		return err
	}
	return writeAtomic(path, ".status-*", b)
}

// writeAtomic writes b to path through a temporary file (pattern, in the
// same directory), synced and renamed over the old one: a crash leaves
// the old file or the new one, never a part.
func writeAtomic(path, pattern string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), pattern)
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// held reports whether a verified list for uri is held.
func (s *StatusLists) held(uri string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lists[uri] != nil
}
