package client_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/sync/client"
	"github.com/vnwallet/citizenwallet/sync/linksim"
	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/warehousetest"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

// weakSignal is the link of issue 14: 1 KB/s each way (8 kbit/s), the
// 600 ms RTT of a weak 2G cell. bytesPerSec scales the rate.
func weakSignal(bytesPerSec int64) linksim.Profile {
	return linksim.Profile{Name: strconv.FormatInt(bytesPerSec/1000, 10) + "KBps", Down: 8 * bytesPerSec, Up: 8 * bytesPerSec, RTT: 600 * time.Millisecond}
}

// fewRecords is a warehouse dataset whose citizens hold only their first
// k sample records, so that a sync at 1 KB/s stays short.
type fewRecords struct {
	warehousetest.Source
	k int
}

func (f fewRecords) Citizen(i int) (wallet.Profile, []wallet.Record) {
	p, recs := f.Source.Citizen(i)
	return p, recs[:min(f.k, len(recs))]
}

// churn issues corrections to the citizen's first records (fixes[j]
// more versions of record j) and withdraws the last one, so that the feed
// holds more entries than the citizen has records. It returns the number
// of feed entries added.
func churn(t testing.TB, srv *warehouse.Server, citizen string, fixes ...int) int {
	t.Helper()
	_, recs, err := srv.Latest(citizen)
	if err != nil {
		t.Fatal(err)
	}
	added := 0
	for j, n := range fixes {
		for range n {
			fix := recs[j]
			fix.Version, fix.IssuedAt, fix.Credential = 0, time.Time{}, ""
			if _, err := srv.Issue(citizen, fix); err != nil {
				t.Fatal(err)
			}
			added++
		}
	}
	if _, err := srv.Withdraw(citizen, recs[len(recs)-1].ID); err != nil {
		t.Fatal(err)
	}
	return added + 1
}

// feedHook serves the warehouse, handing every change-feed request to
// hook first with its number (from 1); hook returns whether it answered.
type feedHook struct {
	target  http.Handler
	mu      sync.Mutex
	n       int
	limits  []int
	cursors []string
	note    string // set by a hook with setNote
	hook    func(n int, w http.ResponseWriter, r *http.Request) bool
}

func (f *feedHook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == protocol.PathChanges {
		l, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		f.mu.Lock()
		f.n++
		n := f.n
		f.limits = append(f.limits, l)
		f.cursors = append(f.cursors, r.URL.Query().Get("cursor"))
		f.mu.Unlock()
		if f.hook != nil && f.hook(n, w, r) {
			return
		}
	}
	f.target.ServeHTTP(w, r)
}

// seenLimits is the limit of every change-feed request so far.
func (f *feedHook) seenLimits() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int(nil), f.limits...)
}

// seenCursors is the cursor of every change-feed request so far.
func (f *feedHook) seenCursors() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.cursors...)
}

func (f *feedHook) setNote(s string) {
	f.mu.Lock()
	f.note = s
	f.mu.Unlock()
}

func (f *feedHook) getNote() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.note
}

// halfAnswer answers r as the warehouse would, but sends only the
// headers and the first half of the body (gzip if the client asked for
// it); it returns the answer's Content-Encoding.
func halfAnswer(target http.Handler, w http.ResponseWriter, r *http.Request) string {
	rec := httptest.NewRecorder()
	target.ServeHTTP(rec, r)
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	body := rec.Body.Bytes()
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rec.Code)
	w.Write(body[:len(body)/2])
	w.(http.Flusher).Flush()
	return rec.Header().Get("Content-Encoding")
}

// recordingDialer dials through a linksim link and keeps every
// connection, so a test can cut them.
type recordingDialer struct {
	d     *linksim.Dialer
	mu    sync.Mutex
	conns []*linksim.Conn
}

func newRecordingDialer(t testing.TB, p linksim.Profile) *recordingDialer {
	d, err := linksim.NewDialer(p)
	if err != nil {
		t.Fatal(err)
	}
	return &recordingDialer{d: d}
}

func (r *recordingDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := r.d.DialContext(ctx, network, addr)
	if err == nil {
		r.mu.Lock()
		r.conns = append(r.conns, c.(*linksim.Conn))
		r.mu.Unlock()
	}
	return c, err
}

// cutAll breaks every link made so far, as when the signal goes.
func (r *recordingDialer) cutAll() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.conns {
		c.Cut()
	}
}

func (r *recordingDialer) httpClient() *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: r.DialContext}}
}

func slowClient(t testing.TB, url string, root *keys.PublicKey, hc *http.Client, cfg client.Config) *client.Client {
	t.Helper()
	cfg.BaseURL, cfg.RootKey, cfg.HTTPClient = url, root, hc
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// progressLog keeps what a sync reported.
type progressLog struct {
	mu   sync.Mutex
	seen []wallet.SyncProgress
}

func (l *progressLog) SyncProgress(p wallet.SyncProgress) {
	l.mu.Lock()
	l.seen = append(l.seen, p)
	l.mu.Unlock()
}

func (l *progressLog) all() []wallet.SyncProgress {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]wallet.SyncProgress(nil), l.seen...)
}

// TestFirstSyncAt1KBps: a first sync over a 1 KB/s link with the default
// configuration completes, and the progress and the result count the
// citizen's records (6), not the feed's entries (6 + 4 corrections + 1
// withdrawal).
func TestFirstSyncAt1KBps(t *testing.T) {
	const records = 6
	srv, ts := warehousetest.Start(t, warehouse.Config{}, fewRecords{warehousetest.Source{N: 1}, records})
	citizen := sample.Profile(0).CitizenID
	entries := records + churn(t, srv, citizen, 2, 1, 1)
	st, _ := newWallet(t, 0)
	enrol(t, srv, newClient(t, ts.URL, srv.RootKey(), nil), st, 0)

	d := newRecordingDialer(t, weakSignal(1000))
	c := slowClient(t, ts.URL, srv.RootKey(), d.httpClient(), client.Config{}) // the defaults
	var log progressLog
	res, err := c.Sync(ctx, st, &log)
	if err != nil {
		t.Fatalf("sync at 1 KB/s: %v (%+v)", err, res)
	}
	if res.Records != records || res.New != records-1 || res.Withdrawn != 1 || res.Updated != 0 || res.Unchanged != 0 || res.Held != records {
		t.Errorf("result counts %d records (%d new, %d updated, %d withdrawn, %d unchanged), holds %d; want %d: %d new, 1 withdrawn",
			res.Records, res.New, res.Updated, res.Withdrawn, res.Unchanged, res.Held, records, records-1)
	}
	if res.Stored != entries || count(t, st) != records {
		t.Errorf("stored %d entries, %d records in the wallet; want %d, %d", res.Stored, count(t, st), entries, records)
	}
	seen := log.all()
	if len(seen) == 0 {
		t.Fatal("no progress reported")
	}
	last := seen[len(seen)-1]
	if f, ok := last.Fraction(); last.Records != records || last.EntriesDone != entries || last.EntriesTotal != entries || !ok || f != 1 {
		t.Errorf("last progress: %+v", last)
	}
	for _, p := range seen {
		if p.Records > records {
			t.Errorf("progress counts %d records of %d: %+v", p.Records, records, p)
		}
	}
	t.Logf("%d pages of %v, %d bytes down", res.Pages, res.PageSizes, d.d.Stats().Down)
}

// TestCutMidPageAt1KBpsResumes: the link is cut while the second page is
// on its way at 1 KB/s. The sync fails offline with the first page
// stored; the next sync resumes from its cursor and ends with every
// record once, every version once.
func TestCutMidPageAt1KBpsResumes(t *testing.T) {
	const records = 5
	srv := warehousetest.Open(t, warehouse.Config{}, fewRecords{warehousetest.Source{N: 1}, records})
	citizen := sample.Profile(0).CitizenID
	entries := records + churn(t, srv, citizen, 1, 1)
	d := newRecordingDialer(t, weakSignal(1000))
	fh := &feedHook{target: srv.Handler()}
	fh.hook = func(n int, w http.ResponseWriter, r *http.Request) bool {
		if n != 2 {
			return false
		}
		fh.setNote(halfAnswer(fh.target, w, r))
		d.cutAll() // what was sent is in flight on the link: lost
		return true
	}
	ts := httptest.NewServer(fh)
	defer ts.Close()
	st, _ := newWallet(t, 0)
	enrol(t, srv, newClient(t, ts.URL, srv.RootKey(), nil), st, 0)

	c := slowClient(t, ts.URL, srv.RootKey(), d.httpClient(), client.Config{PageSize: 3, MaxPageSize: 3, Attempts: 1})
	var log progressLog
	res, err := c.Sync(ctx, st, &log)
	if !errors.Is(err, client.ErrOffline) {
		t.Fatalf("cut mid-page: %v; want ErrOffline", err)
	}
	if enc := fh.getNote(); enc != "gzip" {
		t.Errorf("the cut answer was %q, not gzip", enc)
	}
	if res.Stored != 3 || cursor(t, st) != res.Cursor || len(log.all()) != 1 {
		t.Fatalf("after the cut: %+v, cursor %q, progress %+v", res, cursor(t, st), log.all())
	}
	first := res

	res, err = c.Sync(ctx, st, nil)
	if err != nil {
		t.Fatalf("resumed sync: %v", err)
	}
	if first.Stored+res.Stored != entries {
		t.Errorf("stored %d + %d entries; want %d", first.Stored, res.Stored, entries)
	}
	if count(t, st) != records || res.Held != records {
		t.Errorf("%d records (held %d) after resuming; want %d", count(t, st), res.Held, records)
	}
	_, latest, _ := srv.Latest(citizen)
	for _, want := range latest {
		hist, err := st.History(ctx, want.ID)
		if err != nil || len(hist) != want.Version {
			t.Errorf("%s: %d versions stored, latest is v%d (%v)", want.ID, len(hist), want.Version, err)
		}
		for i, h := range hist {
			if h.Version != i+1 {
				t.Errorf("%s: version %d at %d", want.ID, h.Version, i)
			}
		}
	}
}

// TestStalledServerIsOffline: a warehouse that stops sending (before its
// answer, or in the middle of it) fails the sync with ErrOffline once
// nothing moved for IdleTimeout; the pages before it are stored and
// were reported.
func TestStalledServerIsOffline(t *testing.T) {
	for _, mode := range []string{"silent", "mid-body"} {
		t.Run(mode, func(t *testing.T) {
			srv := warehousetest.Open(t, warehouse.Config{}, warehousetest.Source{N: 1})
			release := make(chan struct{})
			fh := &feedHook{target: srv.Handler()}
			fh.hook = func(n int, w http.ResponseWriter, r *http.Request) bool {
				if n == 1 {
					return false
				}
				if mode == "mid-body" {
					fh.setNote(halfAnswer(fh.target, w, r))
				}
				hold(r, release) // the connection open, sending nothing more
				return true
			}
			ts := httptest.NewServer(fh)
			defer ts.Close()
			defer close(release)
			st, _ := newWallet(t, 0)
			enrol(t, srv, newClient(t, ts.URL, srv.RootKey(), nil), st, 0)

			c := slowClient(t, ts.URL, srv.RootKey(), nil, client.Config{PageSize: 4, MaxPageSize: 4, IdleTimeout: time.Second,
				Attempts: 2, RetryWait: time.Millisecond, RetryMaxWait: time.Millisecond})
			var log progressLog
			res, err := c.Sync(ctx, st, &log)
			if !errors.Is(err, client.ErrOffline) || !errors.Is(err, client.ErrStalled) {
				t.Fatalf("stalled warehouse: %v; want ErrOffline and ErrStalled", err)
			}
			if enc := fh.getNote(); mode == "mid-body" && enc != "gzip" {
				t.Errorf("the stalled answer was %q, not gzip", enc)
			}
			seen := log.all()
			if len(seen) != 1 || seen[0].Records != 4 || res.Records != 4 || res.Stored != 4 || count(t, st) != 4 || cursor(t, st) != res.Cursor {
				t.Errorf("before the stall: %+v, progress %+v, %d stored", res, seen, count(t, st))
			}
			// Both attempts of the second page were made, the retry smaller.
			if l := fh.seenLimits(); len(l) != 3 || l[1] != 4 || l[2] != 2 {
				t.Errorf("limits asked: %v; want [4 4 2]", l)
			}
		})
	}
}

// TestPageSizeGrowsOnAFastLink: on loopback every page arrives at once,
// so pages double from PageSize to MaxPageSize. (The idle timeout is long
// so that even a very busy machine counts as fast.)
func TestPageSizeGrowsOnAFastLink(t *testing.T) {
	srv := warehousetest.Open(t, warehouse.Config{}, warehousetest.Source{N: 1, Extra: 110})
	fh := &feedHook{target: srv.Handler()}
	ts := httptest.NewServer(fh)
	defer ts.Close()
	st, _ := newWallet(t, 0)
	enrol(t, srv, newClient(t, ts.URL, srv.RootKey(), nil), st, 0)
	c := slowClient(t, ts.URL, srv.RootKey(), nil, client.Config{PageSize: 2, MaxPageSize: 32, IdleTimeout: 10 * time.Minute})
	res, err := c.Sync(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	total := len(wallet.Types()) + 110
	if res.Records != total || count(t, st) != total {
		t.Fatalf("%d records (%d in the wallet); want %d", res.Records, count(t, st), total)
	}
	want := []int{2, 4, 8, 16, 32, 32, 32, 32}
	if l := fh.seenLimits(); !slices.Equal(l, want) || !slices.Equal(res.PageSizes, want) {
		t.Errorf("limits asked: %v (result %v); want %v", l, res.PageSizes, want)
	}
}

// TestPageSizeShrinksAfterATimeout: the third page stalls; it is asked
// again at half the size, from the same cursor, and the sync completes.
func TestPageSizeShrinksAfterATimeout(t *testing.T) {
	srv := warehousetest.Open(t, warehouse.Config{}, warehousetest.Source{N: 1, Extra: 40})
	release := make(chan struct{})
	fh := &feedHook{target: srv.Handler()}
	fh.hook = func(n int, w http.ResponseWriter, r *http.Request) bool {
		if n != 3 {
			return false
		}
		hold(r, release)
		return true
	}
	ts := httptest.NewServer(fh)
	defer ts.Close()
	defer close(release)
	st, _ := newWallet(t, 0)
	enrol(t, srv, newClient(t, ts.URL, srv.RootKey(), nil), st, 0)
	c := slowClient(t, ts.URL, srv.RootKey(), nil, client.Config{PageSize: 8, IdleTimeout: time.Second,
		RetryWait: time.Millisecond, RetryMaxWait: time.Millisecond})
	res, err := c.Sync(ctx, st, nil)
	if err != nil {
		t.Fatalf("sync with a stalled page: %v", err)
	}
	total := len(wallet.Types()) + 40
	if res.Records != total || count(t, st) != total {
		t.Errorf("%d records (%d in the wallet); want %d", res.Records, count(t, st), total)
	}
	l, cur := fh.seenLimits(), fh.seenCursors()
	if len(l) < 4 || l[3] != max(1, l[2]/2) || cur[3] != cur[2] {
		t.Errorf("limits asked: %v, cursors %q; want the 4th the 3rd asked again at half the size", l, cur)
	}
}

// hold keeps a stalled answer's connection open, sending nothing, until
// the client gives up or the test releases it.
func hold(r *http.Request, release <-chan struct{}) {
	select {
	case <-r.Context().Done():
	case <-release:
	}
}
