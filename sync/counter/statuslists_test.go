package counter_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/statuslist"
	"github.com/vnwallet/citizenwallet/sync/counter"
)

// statusClock is the counter's clock in these tests.
type statusClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *statusClock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *statusClock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// publisher is a real HTTPS server publishing signed status lists, one
// per agency path, the way the warehouse will: what each path serves can
// be changed, broken or taken down by the test.
type publisher struct {
	srv   *httptest.Server
	bhxh  *keys.PrivateKey // the social-insurance agency's key: signs /status/bhxh/
	soyte *keys.PrivateKey // the health department's key: signs /status/soyte/

	mu      sync.Mutex
	serve   map[string]string // path -> body
	moved   map[string]string // path -> where it redirects
	ctype   string            // Content-Type ("" = the draft's)
	code    int               // 0 = 200
	hits    atomic.Int64
	uriBase string
}

func newPublisher(t *testing.T) *publisher {
	t.Helper()
	p := &publisher{serve: map[string]string{}, moved: map[string]string{}}
	var err error
	if p.bhxh, err = keys.Generate(keys.ES256); err != nil {
		t.Fatal(err)
	}
	if p.soyte, err = keys.Generate(keys.ES256); err != nil {
		t.Fatal(err)
	}
	p.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.hits.Add(1)
		p.mu.Lock()
		body, ok := p.serve[r.URL.Path]
		ctype, code, to := p.ctype, p.code, p.moved[r.URL.Path]
		p.mu.Unlock()
		if to != "" {
			http.Redirect(w, r, to, http.StatusFound)
			return
		}
		if r.Header.Get("Accept") != statuslist.MediaType {
			http.Error(w, "bad Accept", http.StatusNotAcceptable)
			return
		}
		if code != 0 {
			http.Error(w, "down", code)
			return
		}
		if !ok {
			http.NotFound(w, r)
			return
		}
		if ctype == "" {
			ctype = statuslist.MediaType
		}
		w.Header().Set("Content-Type", ctype)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(p.srv.Close)
	p.uriBase = p.srv.URL
	return p
}

func (p *publisher) uri(path string) string { return p.uriBase + path }

// publish signs a list of size one-bit entries with the given ones
// withdrawn, for uri sub, and serves it at path.
func (p *publisher) publish(t *testing.T, path, sub string, k *keys.PrivateKey, iat time.Time, ttl time.Duration, exp time.Time, size int, withdrawn ...int) string {
	t.Helper()
	l, err := statuslist.New(1, size)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range withdrawn {
		if err := l.Set(i, statuslist.Invalid); err != nil {
			t.Fatal(err)
		}
	}
	signed, err := (&statuslist.Token{Subject: sub, IssuedAt: iat, TTL: ttl, Expires: exp, List: l}).Sign(k)
	if err != nil {
		t.Fatal(err)
	}
	p.set(path, signed)
	return signed
}

func (p *publisher) set(path, body string) { p.mu.Lock(); p.serve[path] = body; p.mu.Unlock() }
func (p *publisher) remove(path string)    { p.mu.Lock(); delete(p.serve, path); p.mu.Unlock() }
func (p *publisher) fail(code int)         { p.mu.Lock(); p.code = code; p.mu.Unlock() }
func (p *publisher) contentType(ct string) {
	p.mu.Lock()
	p.ctype = ct
	p.mu.Unlock()
}

// keysFor is the trust decision: the BHXH key may sign only lists under
// /status/bhxh/, the health department's only under /status/soyte/.
func (p *publisher) keysFor(uri, kid string, _ time.Time) (*keys.PublicKey, error) {
	var k *keys.PrivateKey
	switch {
	case strings.HasPrefix(uri, p.uri("/status/bhxh/")):
		k = p.bhxh
	case strings.HasPrefix(uri, p.uri("/status/soyte/")):
		k = p.soyte
	default:
		return nil, fmt.Errorf("no agency publishes %s", uri)
	}
	if kid != k.KID() {
		return nil, fmt.Errorf("kid %s may not sign %s", kid, uri)
	}
	return k.Public(), nil
}

func (p *publisher) open(t *testing.T, dir string, clk *statusClock) *counter.StatusLists {
	t.Helper()
	s, err := counter.OpenStatusLists(counter.StatusListConfig{Dir: dir, Keys: p.keysFor, Transport: p.srv.Client().Transport, Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func wantStatus(t *testing.T, s *counter.StatusLists, uri string, idx int, want statuslist.Status, wantAge time.Duration) {
	t.Helper()
	got, age, err := s.Check(uri, idx)
	if err != nil || got != want || age != wantAge {
		t.Fatalf("Check(%d) = %v, age %v, %v; want %v, age %v", idx, got, age, err, want, wantAge)
	}
}

// A counter fetches a real signed list over HTTPS, answers from it
// offline with its age, keeps it across a restart (verified again), and
// replaces it only with a verified list at least as new.
func TestStatusLists(t *testing.T) {
	p := newPublisher(t)
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	clk := &statusClock{t: t0.Add(5 * time.Minute)}
	dir := t.TempDir()
	bhxh := p.uri("/status/bhxh/1")
	p.publish(t, "/status/bhxh/1", bhxh, p.bhxh, t0, time.Hour, t0.Add(7*24*time.Hour), 10_000, 5, 77)
	s := p.open(t, dir, clk)

	// Never fetched: unknown, not VALID.
	if _, _, err := s.Check(bhxh, 6); !errors.Is(err, counter.ErrStatusUnknown) {
		t.Fatalf("before any fetch: %v", err)
	}

	if err := s.Fetch(ctx, bhxh); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, s, bhxh, 5, statuslist.Invalid, 5*time.Minute)
	wantStatus(t, s, bhxh, 77, statuslist.Invalid, 5*time.Minute)
	wantStatus(t, s, bhxh, 6, statuslist.Valid, 5*time.Minute)
	if _, _, err := s.Check(bhxh, 10_000); !errors.Is(err, statuslist.ErrIndex) {
		t.Fatalf("index past the list: %v", err)
	}
	if _, _, err := s.Check(p.uri("/status/soyte/1"), 0); !errors.Is(err, counter.ErrStatusUnknown) {
		t.Fatalf("another list: %v", err)
	}
	cred := map[string]any{"status": map[string]any{"status_list": map[string]any{"idx": 77.0, "uri": bhxh}}}
	if st, _, err := s.CheckCredential(cred); err != nil || st != statuslist.Invalid {
		t.Fatalf("CheckCredential: %v, %v", st, err)
	}
	if _, _, err := s.CheckCredential(map[string]any{}); !errors.Is(err, statuslist.ErrNoStatusList) {
		t.Fatalf("credential without status: %v", err)
	}

	// Within its ttl the list is not fetched again.
	clk.add(30 * time.Minute)
	hits := p.hits.Load()
	if err := s.Refresh(ctx); err != nil || p.hits.Load() != hits {
		t.Fatalf("refresh within ttl: %v, %d requests", err, p.hits.Load()-hits)
	}
	if err := s.Ensure(ctx, bhxh); err != nil || p.hits.Load() != hits {
		t.Fatalf("ensure within ttl: %v, %d requests", err, p.hits.Load()-hits)
	}

	// Past its ttl it is due; the warehouse has withdrawn #6 since.
	clk.add(31 * time.Minute) // 66 min after iat, 61 after the fetch
	t1 := t0.Add(time.Hour)
	p.publish(t, "/status/bhxh/1", bhxh, p.bhxh, t1, time.Hour, t1.Add(7*24*time.Hour), 10_000, 5, 6, 77)
	if info := s.Lists(); len(info) != 1 || !info[0].Due || info[0].Age != 66*time.Minute || info[0].Entries != 10_000 {
		t.Fatalf("Lists: %+v", info)
	}
	if err := s.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, s, bhxh, 6, statuslist.Invalid, 6*time.Minute)

	// Server down: the held list keeps answering, with its growing age.
	clk.add(2 * time.Hour)
	p.fail(http.StatusServiceUnavailable)
	if err := s.Refresh(ctx); !errors.Is(err, counter.ErrStatusListUnreachable) {
		t.Fatalf("server down: %v", err)
	}
	wantStatus(t, s, bhxh, 6, statuslist.Invalid, 2*time.Hour+6*time.Minute)
	if info := s.Lists(); !strings.Contains(info[0].LastErr, "503") {
		t.Fatalf("LastErr %q", info[0].LastErr)
	}
	p.fail(0)

	// Refused, each with its reason, the held list kept: a list signed
	// by a key not allowed for this URI (forged), a tampered one, a list
	// for another URI, an older list (rollback), not a status list.
	t2 := t1.Add(2 * time.Hour)
	forger, _ := keys.Generate(keys.ES256)
	good := p.publish(t, "/status/bhxh/1", bhxh, p.bhxh, t2, time.Hour, time.Time{}, 10_000, 5)
	parts := strings.Split(good, ".")
	tampered := parts[0] + "." + strings.Replace(parts[1], parts[1][40:44], "AAAA", 1) + "." + parts[2]
	for _, c := range []struct {
		name    string
		publish func()
		want    error
	}{
		{"forged: another agency's key", func() { p.publish(t, "/status/bhxh/1", bhxh, p.soyte, t2, time.Hour, time.Time{}, 10_000) }, statuslist.ErrUnknownKey},
		{"forged: an unknown key", func() { p.publish(t, "/status/bhxh/1", bhxh, forger, t2, time.Hour, time.Time{}, 10_000) }, statuslist.ErrUnknownKey},
		{"tampered", func() { p.set("/status/bhxh/1", tampered) }, statuslist.ErrToken},
		{"a list for another URI", func() {
			p.publish(t, "/status/bhxh/1", p.uri("/status/bhxh/2"), p.bhxh, t2, time.Hour, time.Time{}, 10_000)
		}, statuslist.ErrSubject},
		{"rollback to an older list", func() {
			p.publish(t, "/status/bhxh/1", bhxh, p.bhxh, t0, time.Hour, t0.Add(7*24*time.Hour), 10_000, 5, 77)
		}, counter.ErrStatusListRollback},
		{"not a status list", func() { p.set("/status/bhxh/1", "<html>maintenance</html>") }, statuslist.ErrJWS},
		{"wrong Content-Type", func() { p.set("/status/bhxh/1", good); p.contentType("text/html") }, counter.ErrStatusListFetch},
		{"no list there", func() { p.contentType(""); p.remove("/status/bhxh/1") }, counter.ErrStatusListFetch},
	} {
		c.publish()
		if err := s.Fetch(ctx, bhxh); !errors.Is(err, c.want) {
			t.Fatalf("%s: %v, want %v", c.name, err, c.want)
		}
		wantStatus(t, s, bhxh, 6, statuslist.Invalid, 2*time.Hour+6*time.Minute) // still the t1 list
	}

	// A plain-http URI is refused before any request.
	hits = p.hits.Load()
	if err := s.Fetch(ctx, strings.Replace(bhxh, "https://", "http://", 1)); !errors.Is(err, statuslist.ErrURI) || p.hits.Load() != hits {
		t.Fatalf("http URI: %v", err)
	}

	// The good t2 list replaces t1 (#6 reinstated, say after an appeal).
	p.set("/status/bhxh/1", good)
	if err := s.Fetch(ctx, bhxh); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, s, bhxh, 6, statuslist.Valid, 6*time.Minute)

	// Restart, offline: the saved list is verified again and answers.
	p.fail(http.StatusBadGateway)
	s2 := p.open(t, dir, clk)
	wantStatus(t, s2, bhxh, 5, statuslist.Invalid, 6*time.Minute)
	// ... and still refuses the older list it knew was superseded.
	p.fail(0)
	p.publish(t, "/status/bhxh/1", bhxh, p.bhxh, t1, time.Hour, t1.Add(7*24*time.Hour), 10_000)
	if err := s2.Fetch(ctx, bhxh); !errors.Is(err, counter.ErrStatusListRollback) {
		t.Fatalf("rollback after restart: %v", err)
	}

	// A damaged file on disk is as good as none: unknown, not VALID.
	files, _ := filepath.Glob(filepath.Join(dir, "status-lists", "*.json"))
	if len(files) != 1 {
		t.Fatalf("%d files", len(files))
	}
	b, _ := os.ReadFile(files[0])
	if err := os.WriteFile(files[0], []byte(strings.Replace(string(b), parts[1][100:110], "AAAAAAAAAA", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	s3 := p.open(t, dir, clk)
	if _, _, err := s3.Check(bhxh, 5); !errors.Is(err, counter.ErrStatusUnknown) {
		t.Fatalf("damaged cache: %v", err)
	}
}

// A key the trust list no longer allows (say, found compromised) makes
// the saved list unknown on the next start.
func TestStatusListsKeyWithdrawnOnRestart(t *testing.T) {
	p := newPublisher(t)
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	clk := &statusClock{t: t0.Add(time.Minute)}
	dir := t.TempDir()
	uri := p.uri("/status/soyte/1")
	p.publish(t, "/status/soyte/1", uri, p.soyte, t0, time.Hour, time.Time{}, 800, 3)
	s := p.open(t, dir, clk)
	if err := s.Fetch(context.Background(), uri); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, s, uri, 3, statuslist.Invalid, time.Minute)
	p.soyte, _ = keys.Generate(keys.ES256) // the trust list now names another key
	s2 := p.open(t, dir, clk)
	if _, _, err := s2.Check(uri, 3); !errors.Is(err, counter.ErrStatusUnknown) {
		t.Fatalf("after the key was withdrawn: %v", err)
	}
}

// An expired list is not relied on; a list larger than the limit is
// refused; the server going away entirely keeps the cached answer.
func TestStatusListsExpiryLimitsAndOutage(t *testing.T) {
	p := newPublisher(t)
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	clk := &statusClock{t: t0.Add(time.Minute)}
	uri := p.uri("/status/bhxh/7")
	p.publish(t, "/status/bhxh/7", uri, p.bhxh, t0, 0, t0.Add(2*time.Hour), 64, 1)
	s := p.open(t, t.TempDir(), clk)
	if err := s.Fetch(ctx, uri); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, s, uri, 1, statuslist.Invalid, time.Minute)
	clk.add(2 * time.Hour)
	if _, age, err := s.Check(uri, 1); !errors.Is(err, counter.ErrStatusListExpired) || age != 2*time.Hour+time.Minute {
		t.Fatalf("expired: %v, %v", age, err)
	}
	if info := s.Lists(); !info[0].Expired || !info[0].Due {
		t.Fatalf("Lists: %+v", info)
	}

	// A province-size list, incompressible (1 M entries at random, a
	// 2.4 MB token), goes through; with a 64 KiB limit it is refused.
	big := make([]byte, 1<<20)
	_, _ = rand.Read(big)
	l, _ := statuslist.FromBytes(1, big)
	bigURI := p.uri("/status/bhxh/big")
	signed, err := (&statuslist.Token{Subject: bigURI, IssuedAt: clk.now(), TTL: time.Hour, List: l}).Sign(p.bhxh)
	if err != nil {
		t.Fatal(err)
	}
	p.set("/status/bhxh/big", signed)
	if err := s.Fetch(ctx, bigURI); err != nil {
		t.Fatal(err)
	}
	want := statuslist.Status(big[1000/8] >> (1000 % 8) & 1)
	wantStatus(t, s, bigURI, 1000, want, 0)
	small, err := counter.OpenStatusLists(counter.StatusListConfig{Dir: t.TempDir(), Keys: p.keysFor, Transport: p.srv.Client().Transport, Now: clk.now, MaxBytes: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	if err := small.Fetch(ctx, bigURI); !errors.Is(err, statuslist.ErrTokenTooLarge) {
		t.Fatalf("over the limit: %v", err)
	}

	// A redirect is followed to https, never to plain http.
	// The list keeps the URI credentials name as its sub.
	p.publish(t, "/status/bhxh/x", p.uri("/status/bhxh/old"), p.bhxh, clk.now(), time.Hour, time.Time{}, 64, 9)
	p.mu.Lock()
	p.moved["/status/bhxh/old"] = p.uri("/status/bhxh/x")
	p.moved["/status/bhxh/plain"] = strings.Replace(p.uri("/status/bhxh/x"), "https://", "http://", 1)
	p.mu.Unlock()
	if err := s.Fetch(ctx, p.uri("/status/bhxh/old")); err != nil {
		t.Fatalf("redirect to https: %v", err)
	}
	wantStatus(t, s, p.uri("/status/bhxh/old"), 9, statuslist.Invalid, 0)
	if err := s.Fetch(ctx, p.uri("/status/bhxh/plain")); err == nil || !strings.Contains(err.Error(), "https only") {
		t.Fatalf("redirect to http: %v", err)
	}

	// The server is gone (connection refused): unreachable, cached answer kept.
	p.srv.Close()
	clk.add(3 * time.Hour)
	if err := s.Fetch(ctx, bigURI); !errors.Is(err, counter.ErrStatusListUnreachable) {
		t.Fatalf("server gone: %v", err)
	}
	wantStatus(t, s, bigURI, 1000, want, 3*time.Hour)
}
