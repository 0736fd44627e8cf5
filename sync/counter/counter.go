// Package counter is the one-stop counter's side of the protocol, shared
// by the app's counter mode and `walletctl verify`: the trust list and
// revocation list cached for offline use (a cached trust list is never
// replaced by an older one), the persistent replay cache, verification
// of offline tokens and redemption of online ones at the warehouse, and
// the counter's own log of what it verified.
package counter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/consent"
	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/trust"
	"github.com/vnwallet/citizenwallet/sync/client"
	"github.com/vnwallet/citizenwallet/sync/protocol"
)

// Config configures a counter.
type Config struct {
	BaseURL   string          // the warehouse: trust list, revocations, online tokens
	RootKey   *keys.PublicKey // the province root key
	Agency    string          // this counter's agency id: tokens must name it
	CounterID string          // reported to the citizen for online tokens
	// Dir keeps the cached lists, the replay cache and the log.
	Dir string
	// Replay is the replay cache file; empty means Dir/replay.
	Replay string
	Now    func() time.Time
	// Explain, if set, turns a refusal into the sentence the log keeps
	// for people (the app's plain-language reason).
	Explain func(error) string
	// Freshness is how old the revocation list may be before the status
	// every verdict shows calls it stale (default DefaultFreshness).
	Freshness time.Duration
	// StatusTransport carries the fetches of the agencies' status lists
	// (https only; nil: a transport with timeouts). Tests pass an
	// httptest TLS server's client transport.
	StatusTransport http.RoundTripper
	// RequireStatus refuses a credential without a status claim
	// (consent.ErrStatus). Off, such a credential (issued before the
	// warehouse gave every credential a status) is accepted, and its
	// consent.CredentialStatus says it was not checked.
	RequireStatus bool
	// StatusFetchTimeout bounds the fetch, during Verify, of a status
	// list the counter does not hold (0: DefaultStatusOnDemandTimeout).
	StatusFetchTimeout time.Duration
}

// Files under Config.Dir.
const (
	trustFile   = "trust-list.jws"
	revokedFile = "revocations.json"
	logFile     = "log.jsonl"
)

// Counter is one counter's state. Its methods are safe for concurrent use.
type Counter struct {
	cfg    Config
	wh     *client.Client
	replay *consent.ReplayFile

	refreshing sync.Mutex // one Refresh at a time

	mu      sync.Mutex
	list    *trust.List
	revoked *revocations
	revErr  string // why the last Refresh could not update the revocations

	status      *StatusLists         // the agencies' status lists (status.go)
	statusTried map[string]time.Time // lists fetched on demand and not got, when
}

// ErrNoTrustList: the counter has never reached the warehouse, so it has
// nothing to verify against.
var ErrNoTrustList = errors.New("counter: no trust list yet: reach the warehouse once before verifying")

// Open opens the replay cache and the cached lists in cfg.Dir. It does
// not reach the network: call Refresh.
func Open(cfg Config) (*Counter, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Freshness <= 0 {
		cfg.Freshness = DefaultFreshness
	}
	if cfg.Replay == "" {
		cfg.Replay = filepath.Join(cfg.Dir, "replay")
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, err
	}
	wh, err := client.New(client.Config{BaseURL: cfg.BaseURL, RootKey: cfg.RootKey, Attempts: 1, Timeout: 10 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("counter: warehouse %q: %w", cfg.BaseURL, err)
	}
	rf, err := consent.OpenReplayFile(cfg.Replay, cfg.Now)
	if err != nil {
		return nil, err
	}
	c := &Counter{cfg: cfg, wh: wh, replay: rf}
	if b, err := os.ReadFile(c.path(trustFile)); err == nil {
		c.list, _ = trust.Verify(string(b), cfg.RootKey) // a damaged cache is as good as none
	}
	c.revoked = loadRevocations(c.path(revokedFile), cfg.Agency) // likewise
	if err := c.openStatus(); err != nil {
		rf.Close()
		return nil, err
	}
	return c, nil
}

// Close closes the replay cache.
func (c *Counter) Close() error { return c.replay.Close() }

func (c *Counter) path(name string) string { return filepath.Join(c.cfg.Dir, name) }

// Status says what a Refresh achieved.
type Status int

const (
	// Fresh: the trust list and the revocation list were fetched now.
	Fresh Status = iota
	// Cached: offline (or refused), the cached lists are in use; see
	// RevocationStatus for how old the revocation list is.
	Cached
	// None: offline and nothing cached; nothing can be verified.
	None
)

// Refresh fetches the trust list and the revocations since the list
// held, and caches both on disk; a trust list older than the one held is
// refused, and the revocation list only ever grows by verified pages (or
// sheds expired entries), then the agencies' status lists (status.go).
// Offline, the cached lists stay in use.
func (c *Counter) Refresh(ctx context.Context) Status {
	c.refreshing.Lock()
	defer c.refreshing.Unlock()
	signed, lerr := c.wh.FetchTrustList(ctx)
	var list *trust.List
	if lerr == nil {
		list, lerr = trust.Verify(signed, c.cfg.RootKey)
	}
	c.mu.Lock()
	if lerr == nil && c.list != nil {
		lerr = trust.CheckSuccessor(c.list, list) // never roll back to an older list
	}
	if lerr == nil {
		c.list = list
		// The cache only spares the next offline start a fetch: a failed
		// write leaves the previous cache, never a wrong verdict.
		_ = os.WriteFile(c.path(trustFile), []byte(signed), 0o600)
	}
	tl, held := c.list, c.revoked
	c.mu.Unlock()
	if tl == nil {
		return None
	}
	next, rerr := c.fetchRevocations(ctx, tl, held)
	serr := c.refreshStatus(ctx, tl) // takes c.mu through the key lookup
	c.mu.Lock()
	defer c.mu.Unlock()
	c.revoked, c.revErr = next, ""
	if rerr != nil {
		c.revErr = rerr.Error()
	}
	if next.Version != held.Version || len(next.Entries) != len(held.Entries) || !next.IssuedAt.Equal(held.IssuedAt) {
		if err := next.save(c.path(revokedFile)); err != nil && rerr == nil {
			c.revErr = "the revocation list could not be saved: " + err.Error()
		}
	}
	if lerr != nil || rerr != nil || serr != nil {
		return Cached
	}
	return Fresh
}

// Issuer looks an agency up in the trust list held.
func (c *Counter) Issuer(id string) (*trust.Issuer, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.list == nil {
		return nil, false
	}
	return c.list.Issuer(id)
}

// Name is the display name of an office or agency of the trust list
// held (see trust.List.Name).
func (c *Counter) Name(id string) (trust.Name, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.list == nil {
		return trust.Name{}, false
	}
	return c.list.Name(id)
}

// Verify checks a whole token (the QR parts already assembled): an
// offline token against the trust list held, an online one by redeeming
// it at the warehouse (an unreachable warehouse is client.ErrOffline).
// Either way the id is burnt in the replay cache and the outcome logged.
func (c *Counter) Verify(ctx context.Context, token string) (*consent.Result, error) {
	res, err := c.verify(ctx, token)
	c.logResult(res, err)
	return res, err
}

func (c *Counter) verify(ctx context.Context, token string) (*consent.Result, error) {
	c.mu.Lock()
	list, revoked := c.list, c.revoked
	c.mu.Unlock()
	if list == nil {
		return nil, ErrNoTrustList
	}
	v := &consent.Verifier{Trust: list, Audience: c.cfg.Agency, Replay: c.replay, Now: c.cfg.Now, Revoked: revoked.revoked}
	if strings.Contains(token, "~") {
		v.Status = c.statusCheck(ctx, list)
		return v.Verify(token)
	}
	resp, err := c.wh.Redeem(ctx, token, protocol.Counter{Agency: c.cfg.Agency, CounterID: c.cfg.CounterID})
	if err != nil {
		return nil, err
	}
	return v.VerifyRedeemed(token, resp.Credentials)
}

// Refused logs a token refused before Verify (its QR parts could not be
// assembled).
func (c *Counter) Refused(err error) { c.logResult(nil, err) }

// ScanProblem logs a scan that went wrong on the way from the scanner (a
// code typed through a Vietnamese keyboard, cut short, another QR): a
// scan error, not an invalid token.
func (c *Counter) ScanProblem(err error) {
	c.log(LogEntry{At: c.cfg.Now().UTC().Truncate(time.Second), ScanError: true, Reason: err.Error()})
}

// LogEntry is one line of the counter's log: never a verified value.
type LogEntry struct {
	At        time.Time `json:"at"`
	Valid     bool      `json:"valid"`
	ConsentID string    `json:"consent_id,omitempty"`
	Procedure string    `json:"procedure,omitempty"`
	Fields    int       `json:"fields,omitempty"`
	// ScanError: the scan failed (see ScanProblem); no token was judged.
	ScanError bool   `json:"scan_error,omitempty"`
	Reason    string `json:"reason,omitempty"`    // the error
	Explained string `json:"explained,omitempty"` // Config.Explain's sentence
}

func (c *Counter) logResult(res *consent.Result, err error) {
	e := LogEntry{At: c.cfg.Now().UTC().Truncate(time.Second), Valid: err == nil}
	if res != nil {
		e.ConsentID, e.Procedure, e.Fields = res.ID, res.Procedure, len(res.Fields)
	}
	if err != nil {
		e.Reason = err.Error()
		if c.cfg.Explain != nil {
			e.Explained = c.cfg.Explain(err)
		}
	}
	c.log(e)
}

func (c *Counter) log(e LogEntry) {
	b, _ := json.Marshal(e) // plain fields: cannot fail
	f, ferr := os.OpenFile(c.path(logFile), os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o600)
	if ferr != nil {
		return // the log is the counter's own record; a verdict never waits on it
	}
	defer f.Close()
	// A line cut by a crash has no newline: start on a fresh line so the
	// cut line does not swallow this one.
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, st.Size()-1); err == nil && last[0] != '\n' {
			b = append([]byte{'\n'}, b...)
		}
	}
	_, _ = f.Write(append(b, '\n'))
}

// Log returns the most recent entries of the counter's log, newest first
// (at most limit). A line cut by a crash is skipped.
func (c *Counter) Log(limit int) ([]LogEntry, error) {
	b, err := os.ReadFile(c.path(logFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	var out []LogEntry
	for i := len(lines) - 1; i >= 0 && len(out) < limit; i-- {
		var e LogEntry
		if json.Unmarshal(lines[i], &e) == nil {
			out = append(out, e)
		}
	}
	return out, nil
}
